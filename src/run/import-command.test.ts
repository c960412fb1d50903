import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';

const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';

/** --import's command line: every refusal is a usage error (exit 1) naming the flag, before any AWS call. */
describe('routeyard --import: command line', () => {
  const run = async (argv: string[], env: Record<string, string> = {}) => {
    let err = '';
    const res = await runCli(argv, { stdout: () => {}, stderr: (s) => (err += s), env }, () => {
      throw new Error('no AWS client may be made for a refused command line');
    });
    return { code: res.exitCode, err };
  };

  it.each([
    [['--import'], '--import needs --listener ARN, or --source URI'],
    [['--import', '--listener', 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1'], '--listener must be an Application Load Balancer listener ARN'],
    [['--import', '--listener', LISTENER, '--source', 'file:x.json'], 'not both'],
    [['--import', '--listener', LISTENER, '--dry-run'], 'cannot be combined with --dry-run'],
    [['--import', '--listener', LISTENER, '--header', 'Host'], '--header "Host"'],
    [['--import', '--listener', LISTENER, '--header', 'X Target'], '--header "X Target"'],
    [['--import', '--listener', LISTENER, '--name', 'Not_A_Label'], '--name must be a lowercase DNS label'],
    [['--import', '--listener', LISTENER, '--manage', 'partial'], '--manage must be full or observe'],
    [['--import', '--listener', LISTENER, '--private-zone', 'a zone'], '--private-zone must be a hosted zone name or id'],
    [['--import', '--listener', LISTENER, '--vpc-link', 'vl 1'], '--vpc-link must be a VPC link id'],
    [['--import', '--listener', LISTENER, '--output', 'text'], '--output text does not apply'],
    [['--import', '--source', 'file:x.json', '--header', 'X-Other'], '--header comes from the document'],
    [['--reconcile-once', '--source', 'file:x.json', '--listener', LISTENER], '--listener applies only with --import'],
  ])('%j is refused', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(1);
    expect(err).toContain(message);
  });

  it('--help documents --import and its options', async () => {
    let out = '';
    await runCli(['--help'], { stdout: (s) => (out += s), stderr: () => {}, env: {} });
    for (const flag of ['--import', '--listener ARN', '--header NAME', '--private-zone NAME|ID', '--vpc-link ID', '--name NAME', '--manage full|observe']) expect(out).toContain(flag);
  });
});
