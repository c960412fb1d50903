// The CDK CLI synthesizes the app as a user runs it (`cdk synth --no-lookups`, no AWS
// credentials), then the two scanners run on what it wrote: cfn-lint on every template and
// checkov on the templates and the Dockerfile. Both are pinned in requirements-iac.txt and
// installed by `make test` into .venv-iac.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY_DIR, REPO_DIR } from './support.ts';

const run = promisify(execFile);
const VENV = process.env.ROUTEYARD_IAC_VENV ?? path.join(REPO_DIR, '.venv-iac');
const tool = (name: string) => {
  const p = path.join(VENV, 'bin', name);
  if (!existsSync(p)) throw new Error(`${p} is missing: \`make test\` installs cfn-lint and checkov from requirements-iac.txt`);
  return p;
};

// No credentials and no instance metadata: the synth must not need AWS.
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

interface CheckovReport {
  check_type: string;
  summary: { passed: number; failed: number; skipped: number };
  results: { failed_checks?: { check_id: string; resource: string; file_path: string }[]; skipped_checks?: { check_id: string; resource: string }[] };
}
async function checkov(args: string[]): Promise<CheckovReport[]> {
  // checkov exits 1 when a check fails; the JSON says which.
  const out = await run(tool('checkov'), [...args, '--skip-download', '-o', 'json'], { env: offlineEnv(), maxBuffer: 64 << 20 }).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
  );
  const parsed = JSON.parse(out.stdout) as CheckovReport | CheckovReport[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

// The committed settings, and two ALBs with a WAF web ACL (issue #18): each synthesized by the
// CLI with its `-c` overrides, then scanned.
const VARIANTS: [string, string[]][] = [
  ['the committed settings', []],
  ['two ALBs and a WAF web ACL', ['-c', 'routeyard:albCount=2', '-c', 'routeyard:wafWebAclArn=arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/platform/1']],
];

describe.each(VARIANTS)('cdk synth, cfn-lint and checkov: %s', (_what, context) => {
  let outdir: string;
  let templates: string[];
  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'routeyard-cdk-'));
    await run(path.join(DEPLOY_DIR, 'node_modules', '.bin', 'cdk'), ['synth', '--no-lookups', '--no-notices', '--quiet', '--output', outdir, ...context], {
      cwd: DEPLOY_DIR,
      env: offlineEnv(),
      maxBuffer: 64 << 20,
    });
    templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('the CLI synthesizes every stack offline (cdk-nag runs in it)', () => {
    expect(templates.map((t) => path.basename(t)).sort()).toEqual([
      'Routeyard.template.json',
      'RouteyardEventsForwarder.template.json',
      'SharedAlb.template.json',
      'SharedVpcLink.template.json',
    ]);
    const alb = JSON.parse(readFileSync(templates.find((t) => t.endsWith('SharedAlb.template.json'))!, 'utf8')) as { Resources: Record<string, { Type: string }> };
    const albs = Object.values(alb.Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(albs).toHaveLength(context.includes('routeyard:albCount=2') ? 2 : 1);
  });

  it('cfn-lint passes on every synthesized template', async () => {
    const result = await run(tool('cfn-lint'), ['--format', 'parseable', ...templates], { env: offlineEnv() }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });

  it('checkov reports no failed check on the templates, and every skip carries its reason in the template', async () => {
    const [report] = await checkov(['-d', outdir, '--framework', 'cloudformation']);
    expect(report!.results.failed_checks ?? []).toEqual([]);
    expect(report!.summary.passed).toBeGreaterThan(50);

    const skips = templates.flatMap((file) => {
      const t = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string; Metadata?: { checkov?: { skip: { id: string; comment: string }[] } } }> };
      return Object.entries(t.Resources).flatMap(([id, r]) => (r.Metadata?.checkov?.skip ?? []).map((s) => ({ resource: `${r.Type}.${id}`, ...s })));
    });
    console.log(`checkov skips: ${skips.length}\n` + skips.map((s) => `  ${s.id} on ${s.resource}: ${s.comment}`).join('\n'));
    for (const s of skips) expect(s.comment.length, `${s.id} on ${s.resource} needs a reason`).toBeGreaterThan(40);
    // Every skip is one checkov used (a skip of a check that would pass is noise).
    expect((report!.results.skipped_checks ?? []).map((c) => `${c.check_id} ${c.resource}`).sort()).toEqual(skips.map((s) => `${s.id} ${s.resource}`).sort());
  });
});

describe('checkov on the Dockerfile', () => {
  it('checkov reports no failed check on the Dockerfile', async () => {
    const [report] = await checkov(['-f', path.join(REPO_DIR, 'Dockerfile'), '--framework', 'dockerfile']);
    expect(report!.check_type).toBe('dockerfile');
    expect(report!.results.failed_checks ?? []).toEqual([]);
    expect(report!.summary.skipped).toBe(0);
  });
});
