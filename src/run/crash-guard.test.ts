import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('an unexpected rejection in a background task', () => {
  it('is logged, bounded, and the process carries on (Node would exit 1 without the guard)', () => {
    const guard = fileURLToPath(new URL('./crash-guard.ts', import.meta.url));
    const log = fileURLToPath(new URL('../log.ts', import.meta.url));
    const script = (install: boolean) => `
      import { guardBackgroundRejections } from ${JSON.stringify(guard)};
      import { createLogger } from ${JSON.stringify(log)};
      if (${install}) guardBackgroundRejections(createLogger('info'));
      setTimeout(() => Promise.reject(new Error('boom ' + 'x'.repeat(5000))), 10);
      setTimeout(() => { process.stdout.write('still alive'); }, 200);
    `;
    const run = (install: boolean) => spawnSync(process.execPath, ['--input-type=module', '-e', script(install)], { encoding: 'utf8', timeout: 20_000 });
    const guarded = run(true);
    expect(guarded.status).toBe(0);
    expect(guarded.stdout).toBe('still alive');
    const line = guarded.stderr.split('\n').find((l) => l.includes('unexpected rejection'))!;
    expect(JSON.parse(line).err.length).toBeLessThanOrEqual(500);
    const bare = run(false);
    expect(bare.status).not.toBe(0);
    expect(bare.stdout).toBe('');
  });
});
