// Reproduce a Dockerfile without a container engine: read its stages and run their own
// instructions (WORKDIR, COPY, RUN, ENV) in temporary directories, one per stage, with the
// build context filtered by .dockerignore as `docker build` filters it. Only the instructions
// routeyard's Dockerfile uses are understood; any other fails loudly rather than being skipped.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// A CommonJS module (module.exports = factory) whose typings declare an ES default export:
// load it as CommonJS, typed by what it is used for.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as () => { add(patterns: string): { ignores(path: string): boolean } };

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name?: string;
  base: string;
  instructions: Instruction[];
}

/** Parse a Dockerfile into stages (line continuations joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(l) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`FROM ${args}: not understood`);
      stages.push({ base: m[1]!, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${upper} before FROM`);
      stage.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

/** The exec form (a JSON array) of ENTRYPOINT, CMD or HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}

export interface Reproduced {
  /** The final stage's directory: what the image's WORKDIR holds. */
  dir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck?: string[];
  /** Every RUN command run, stage by stage, as the Dockerfile has them. */
  ran: string[];
}

/**
 * Run every stage. `PATH` gets `nodeBin` first so RUN uses the pinned Node, as the image's
 * `node:24` base would.
 */
export function reproduce(contextDir: string, nodeBin: string): Reproduced {
  const stages = parseDockerfile(readFileSync(path.join(contextDir, 'Dockerfile'), 'utf8'));
  const ignore = dockerignore().add(readFileSync(path.join(contextDir, '.dockerignore'), 'utf8'));
  const roots = new Map<string, { root: string; workdir: string }>();
  const ran: string[] = [];
  let last: Reproduced | undefined;

  for (const stage of stages) {
    const root = mkdtempSync(path.join(tmpdir(), `routeyard-image-${stage.name ?? 'final'}-`));
    let workdir = '/';
    const env: Record<string, string> = {};
    const out: Reproduced = { dir: root, env, entrypoint: [], cmd: [], ran };
    // An absolute path in the image maps into the stage's directory.
    const inImage = (p: string) => path.join(root, path.posix.isAbsolute(p) ? p : path.posix.join(workdir, p));

    for (const { keyword, args } of stage.instructions) {
      switch (keyword) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, args);
          mkdirSync(inImage('.'), { recursive: true });
          break;
        case 'ENV': {
          for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
          break;
        }
        case 'COPY': {
          const parts = args.split(/\s+/);
          const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
          const dest = parts.pop()!;
          for (const src of parts) {
            if (from) {
              const source = roots.get(from);
              if (!source) throw new Error(`COPY --from=${from}: no such stage`);
              cpSync(path.join(source.root, src), inImage(dest), { recursive: true });
            } else {
              if (ignore.ignores(src)) throw new Error(`COPY ${src}: excluded by .dockerignore, so docker build would fail`);
              const target = dest.endsWith('/') && !statSync(path.join(contextDir, src)).isDirectory() ? path.join(inImage(dest), path.basename(src)) : inImage(dest);
              cpSync(path.join(contextDir, src), target, {
                recursive: true,
                // What .dockerignore leaves out of the build context is not there to copy.
                filter: (file) => {
                  const rel = path.relative(contextDir, file);
                  return rel === '' || !ignore.ignores(rel.split(path.sep).join('/'));
                },
              });
            }
          }
          break;
        }
        case 'RUN': {
          const r = spawnSync('sh', ['-c', args], { cwd: inImage('.'), encoding: 'utf8', env: { ...process.env, ...env, PATH: `${nodeBin}${path.delimiter}${process.env.PATH}` } });
          if (r.status !== 0) throw new Error(`RUN ${args} exited ${r.status}: ${r.stderr.slice(-2000)}`);
          ran.push(args);
          break;
        }
        case 'USER':
          out.user = args;
          break;
        case 'ENTRYPOINT':
          out.entrypoint = execForm(args);
          break;
        case 'CMD':
          out.cmd = execForm(args);
          break;
        case 'HEALTHCHECK':
          out.healthcheck = execForm(args.slice(args.indexOf(' CMD ') + 1));
          break;
        case 'EXPOSE':
          break;
        default:
          throw new Error(`${keyword}: this reproduction does not understand it; teach test/support/dockerfile.ts`);
      }
    }
    if (stage.name) roots.set(stage.name, { root, workdir });
    out.dir = inImage('.');
    last = out;
  }
  if (!last) throw new Error('the Dockerfile has no stage');
  return last;
}
