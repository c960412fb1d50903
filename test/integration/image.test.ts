import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/daemon.ts';
import { reproduce, type Reproduced } from '../support/dockerfile.ts';
import { albOnlyDoc, freshEmulator, repoRoot } from '../support/harness.ts';
import { freePort } from '../support/moto.ts';

/**
 * No container engine runs on these machines, so the image is reproduced: every stage of the
 * Dockerfile runs its own instructions (WORKDIR, COPY filtered by .dockerignore, RUN, ENV) in
 * a temporary directory (test/support/dockerfile.ts), then the final stage's ENTRYPOINT and
 * CMD (the controller) start and must answer /healthz, its HEALTHCHECK must pass, and
 * `--reconcile-once` as the command must work as a CI job.
 */
const stop: (() => void)[] = [];
let image: Reproduced;

// `node` in the image is the base image's Node 24: here, the pinned one running this test.
const node = (argv: string[]) => (argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : argv);

describe('the image (its Dockerfile reproduced without a container engine)', () => {
  beforeAll(() => {
    image = reproduce(repoRoot, dirname(process.execPath));
  }, 600_000);
  afterAll(() => stop.forEach((s) => s()));

  it('is built in two stages and runs with production dependencies only, as a non-root user', () => {
    expect(image.ran).toEqual([
      'npm ci --no-audit --no-fund --loglevel=error',
      'npx tsc -p tsconfig.build.json',
      'npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force',
    ]);
    expect(image.user).toBe('node');
    expect(image.env.NODE_ENV).toBe('production');
    expect(existsSync(join(image.dir, 'node_modules', 'pino', 'package.json'))).toBe(true);
    // The dev dependencies and the tests really are absent.
    expect(existsSync(join(image.dir, 'node_modules', 'vitest'))).toBe(false);
    expect(existsSync(join(image.dir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(image.dir, 'src'))).toBe(false);
    expect(image.entrypoint).toEqual(['node', '--max-semi-space-size=8', 'bin/routeyard.js']);
    expect(image.cmd).toEqual([]);
  });

  it('the default command (the controller) starts, answers /healthz, and passes its own HEALTHCHECK', async () => {
    await freshEmulator();
    const doc = join(image.dir, '..', 'routeset.json');
    writeFileSync(doc, JSON.stringify(albOnlyDoc()));
    const port = await freePort();
    // The image listens on 8080; a free port here, so tests never collide.
    const [cmd, ...args] = node([...image.entrypoint, ...image.cmd, '--port', String(port)]);
    const proc = spawn(cmd!, args, {
      cwd: image.dir,
      env: { ...process.env, ...image.env, ROUTEYARD_SOURCE: `file:${doc}`, ROUTEYARD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    stop.push(() => proc.kill('SIGKILL'));
    const status = await waitFor(`/healthz (stderr: ${stderr.slice(-500)})`, 30, async () => {
      if (proc.exitCode !== null) throw new Error(`the controller exited ${proc.exitCode}: ${stderr}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
      } catch {
        return undefined;
      }
    });
    expect(status).toBe(200);

    // The Dockerfile's HEALTHCHECK command, pointed at this port.
    expect(image.healthcheck!.join(' ')).toContain('http://127.0.0.1:8080/healthz');
    const [hc, ...hcArgs] = node(image.healthcheck!.map((a) => a.replace(':8080/', `:${port}/`)));
    expect(spawnSync(hc!, hcArgs, { cwd: image.dir }).status).toBe(0);
    proc.kill('SIGTERM');
    const closed = await freePort();
    const [hcDown, ...hcDownArgs] = node(image.healthcheck!.map((a) => a.replace(':8080/', `:${closed}/`)));
    expect(spawnSync(hcDown!, hcDownArgs, { cwd: image.dir }).status).toBe(1);
  }, 120_000);

  it('`--reconcile-once` as the command runs one pass as a CI job would', async () => {
    await freshEmulator();
    const doc = join(image.dir, '..', 'routeset.json');
    writeFileSync(doc, JSON.stringify(albOnlyDoc()));
    const [cmd, ...args] = node([...image.entrypoint, '--reconcile-once', '--source', `file:${doc}`, '--output', 'json']);
    const r = spawnSync(cmd!, args, { cwd: image.dir, encoding: 'utf8', env: { ...process.env, ...image.env, ROUTEYARD_LOG_LEVEL: 'warn' } });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { outcome: string }).outcome).toBe('Converged');
  }, 120_000);

  it('the build context leaves out what the image does not need', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^\*$/m); // everything out, then what the Dockerfile copies back in
  });
});
