import { describe, expect, it } from 'vitest';
import { durationOption, runCli } from './cli.ts';

describe('CLI options', () => {
  it('parses durations with a unit and refuses bare numbers', () => {
    expect(durationOption('30s', '--interval', 1, 1000)).toBe(30_000);
    expect(durationOption('5m', '--interval', 1, 1000)).toBe(300_000);
    expect(durationOption(undefined, '--interval', 60_000, 1000)).toBe(60_000);
    expect(() => durationOption('60', '--interval', 1, 1000)).toThrow(/duration with a unit/);
    expect(() => durationOption('500ms', '--interval', 1, 1000)).toThrow(/at least 1s/);
  });

  it('a bad flag value is a usage error (exit 1) naming the flag, before anything runs', async () => {
    let err = '';
    const res = await runCli(['--interval', 'soon', '--source', 'file:x.json'], { stdout: () => {}, stderr: (s) => (err += s), env: {} });
    expect(res.exitCode).toBe(1);
    expect(err).toContain('--interval must be a duration');
    const renew = await runCli(['--lease-table', 't', '--lease-duration', '4s', '--lease-renew', '3s', '--source', 'file:x.json'], { stdout: () => {}, stderr: () => {}, env: {} });
    expect(renew.exitCode).toBe(1);
  });

  it('a duration beyond what its flag takes (and what a timer holds) is a usage error: --interval 30d', async () => {
    for (const [flag, value, max] of [
      ['--interval', '30d', '1d'],
      ['--notify-repeat', '25d', '7d'],
      ['--lease-duration', '2h', '1h'],
    ] as const) {
      let err = '';
      // --validate: were the value accepted, nothing long-running would start.
      const res = await runCli(['--validate', flag, value, '--source', 'file:x.json'], { stdout: () => {}, stderr: (s) => (err += s), env: {} });
      expect(res.exitCode, flag).toBe(1);
      expect(err, flag).toContain(`${flag} must be at most ${max} (`);
    }
  });

  it('--help documents every controller flag and exit code 5', async () => {
    let out = '';
    await runCli(['--help'], { stdout: (s) => (out += s), stderr: () => {}, env: {} });
    for (const flag of ['--interval', '--port', '--lease-table', '--source-poll', '--lease-wait']) expect(out).toContain(flag);
    expect(out).toContain('5 --reconcile-once could not get the leader lease');
  });
});

describe('the flag definitions (FLAGS) feed the parser, --help and docs/cli.md', () => {
  it('--help lists every flag the parser takes, each once, and no other', async () => {
    const { FLAGS, USAGE } = await import('./cli.ts');
    const inHelp = [...USAGE.matchAll(/^ {2}(?:-h, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!);
    expect(inHelp.sort()).toEqual(FLAGS.map((f) => `--${f.name}`).sort());
  });

  it('the parser takes every defined flag and refuses an unknown one (usage error, exit 1)', async () => {
    const { FLAGS } = await import('./cli.ts');
    for (const f of FLAGS.filter((f) => f.name !== 'help')) {
      let flagErr = '';
      const args = f.type === 'boolean' ? [`--${f.name}`] : [`--${f.name}`, 'x'];
      const res = await runCli([...args, '--interval', 'soon', '--source', 'file:x.json'], { stdout: () => {}, stderr: (s) => (flagErr += s), env: {} });
      // A known flag gets as far as the value checks: a usage error, never "Unknown option".
      expect(res.exitCode, f.name).toBe(1);
      expect(flagErr, f.name).not.toContain('Unknown option');
    }
    let err = '';
    const res = await runCli(['--no-such-flag'], { stdout: () => {}, stderr: (s) => (err += s), env: {} });
    expect(res.exitCode).toBe(1);
    expect(err).toContain("Unknown option '--no-such-flag'");
    // The error stays in sight: the usage line and where the flags are, not the whole help.
    expect(err).toContain('Usage: routeyard');
    expect(err).toContain('routeyard --help lists every flag');
    expect(err.split('\n').length).toBeLessThan(6);
    // A bad value is reported even when the source is missing too.
    let both = '';
    await runCli(['--verify-budget', '2'], { stdout: () => {}, stderr: (s) => (both += s), env: {} });
    expect(both).toContain('--verify-budget must be a number from 0.001 to 1');
  });
});
