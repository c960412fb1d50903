import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/daemon.ts';
import { albOnlyDoc, freshEmulator, repoRoot } from '../support/harness.ts';
import { freePort } from '../support/moto.ts';

/**
 * No container engine runs on these machines, so the image is reproduced: the Dockerfile's
 * runtime stage (its `npm ci --omit=dev` and the files it copies, the build stage's output)
 * in a temporary directory, then its default command (the controller) is started and must
 * answer /healthz. This proves the production dependencies alone run the controller.
 */
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stop: (() => void)[] = [];

describe('the image (its Dockerfile steps reproduced without a container engine)', () => {
  afterAll(() => stop.forEach((s) => s()));

  it('uses the commands this test reproduces', () => {
    expect(dockerfile).toMatch(/^FROM node:24-slim AS build$/m);
    expect(dockerfile).toContain('RUN npx tsc -p tsconfig.build.json');
    expect(dockerfile).toContain('RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*?\/healthz/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/routeyard.js"\]$/m);
  });

  it('with production dependencies only, the default command (the controller) starts and answers /healthz', async () => {
    await freshEmulator();
    const app = mkdtempSync(join(tmpdir(), 'routeyard-image-'));
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, f), join(app, f));
    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, encoding: 'utf8', env: { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}` } });
    expect(install.status, install.stderr).toBe(0);
    // COPY --from=build /app/dist ./dist; COPY bin ./bin; COPY schema ./schema
    for (const dir of ['dist', 'bin', 'schema']) cpSync(join(repoRoot, dir), join(app, dir), { recursive: true });
    const doc = join(app, 'routeset.json');
    writeFileSync(doc, JSON.stringify(albOnlyDoc()));
    const port = await freePort();
    const proc = spawn(process.execPath, ['bin/routeyard.js', '--port', String(port)], {
      cwd: app,
      env: { ...process.env, NODE_ENV: 'production', ROUTEYARD_SOURCE: `file:${doc}`, ROUTEYARD_LOG_LEVEL: 'warn' },
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
    // The dev dependencies really are absent.
    expect(() => readFileSync(join(app, 'node_modules', 'vitest', 'package.json'))).toThrow();
  }, 180_000);
});
