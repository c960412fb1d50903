/**
 * `make demo`: start the AWS emulator, create what the bootstrap stacks would (VPC,
 * subnets, VPC link, internal ALB, HTTP listener with a fixed 404, SSM parameters), then
 * 1. run `routeyard --reconcile-once` on desired-state.example.json twice: the first pass
 *    converges the five services, the second shows a clean no-op;
 * 2. hand fastapi-app to ECS deployments: publish the outputs in SSM, move the rule's weights
 *    as ECS would, and show the next pass has nothing to do;
 * 3. start the controller (`routeyard` with no mode flag), print its dashboard URL, delete
 *    a listener rule out of band, and show the controller reporting and repairing it.
 * With a terminal it keeps serving until Ctrl-C; without one (CI) it stops after the repair.
 */
import { spawn } from 'node:child_process';
import { DeleteRuleCommand, DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapSharedPlatform } from '../test/support/bootstrap.ts';
import { freePort, motoEnv, startMoto } from '../test/support/moto.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'routeyard.js');
let source = 'file:desired-state.example.json';
const moto = await startMoto();
let failed = false;

interface Drift {
  passId: string;
  outcome: string;
  services: { name: string; status: string; resources: { kind: string; status: string }[] }[];
  recentPasses: { passId: string; at: string; trigger?: string; actionsApplied: number; outcome: string }[];
}

async function getDrift(url: string): Promise<Drift | undefined> {
  try {
    const res = await fetch(`${url}drift`);
    return res.ok ? ((await res.json()) as Drift) : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Run the CLI and collect its output. Asynchronously: the emulator is this process's child and
 * writes a log line per request into a pipe this process drains; a synchronous spawn would
 * stop draining it, and once the pipe is full the emulator (and the run waiting on it) hangs.
 */
function runRouteyard(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ROUTEYARD_LOG_LEVEL: process.env.ROUTEYARD_LOG_LEVEL ?? 'error' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

try {
  Object.assign(process.env, motoEnv(moto.endpoint));
  console.log(`AWS emulator (moto) listening on ${moto.endpoint}`);
  const platform = await bootstrapSharedPlatform();
  console.log(`Bootstrapped shared platform: VPC ${platform.vpcId}, VPC link ${platform.vpcLinkId}`);
  console.log(`  listener ${platform.listenerArn} (default action: fixed 404)`);
  console.log(`  SSM: ${Object.values(platform.parameters).join(', ')}\n`);

  // The first run waits for what the first pass leaves Pending: certificates to be validated
  // and custom domains queued behind API Gateway's one-CreateDomainName-per-30-s pace. moto has
  // no such limit, so the demo lifts it (--domain-pace 0s); on AWS the default 30 s applies.
  for (const [i, title] of ['First run: converge from empty, waiting for certificates and domains', 'Second run: nothing to do'].entries()) {
    const args = ['--reconcile-once', '--source', source, ...(i === 0 ? ['--wait', '2m', '--domain-pace', '0s'] : [])];
    console.log(`=== ${title}: routeyard ${args.join(' ')}`);
    const run = await runRouteyard(args);
    // --wait prints a progress line per pass on stderr; logs are JSON lines there too.
    for (const line of run.stderr.split('\n')) if (line.startsWith('routeyard: pass')) console.log(line);
    process.stdout.write(run.stdout);
    console.log(`(exit code ${run.status})\n`);
    if (run.status !== 0) failed = true;
    if (i === 1 && run.status === 0 && /AWS calls: \d+ \(0 mutating/.test(run.stdout)) {
      console.log('The second pass made no mutating AWS calls: the platform is exactly as declared.\n');
    }
  }

  // 3. The hand-off to ECS: publish each service's outputs in SSM and let ECS deployments move
  // fastapi-app's traffic; routeyard keeps the rules and leaves the weights to ECS.
  const ecsDoc = JSON.parse(readFileSync(join(root, 'desired-state.example.json'), 'utf8'));
  ecsDoc.spec.shared.outputsPrefix = '/acmecorp/routeyard';
  ecsDoc.spec.services.find((s: { name: string }) => s.name === 'fastapi-app').deployment = { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } };
  const ecsPath = join(mkdtempSync(join(tmpdir(), 'routeyard-demo-')), 'routeset-ecs.json');
  writeFileSync(ecsPath, JSON.stringify(ecsDoc, null, 2));
  source = `file:${ecsPath}`;
  const once = async (title: string) => {
    console.log(`=== ${title}: routeyard --reconcile-once --source ${source}`);
    const run = await runRouteyard(['--reconcile-once', '--source', source]);
    process.stdout.write(run.stdout);
    console.log(`(exit code ${run.status})\n`);
    if (run.status !== 0) failed = true;
  };
  await once('Hand fastapi-app to ECS deployments (spec.shared.outputsPrefix, deployment.strategy "ecs" with a test rule)');
  const ssm = new SSMClient({});
  const published = (await ssm.send(new GetParametersByPathCommand({ Path: '/acmecorp/routeyard/services/fastapi-app', Recursive: true }))).Parameters ?? [];
  console.log('Published for fastapi-app (what its ECS service stack reads):');
  for (const p of published) console.log(`  ${p.Name} = ${p.Value}`);
  const value = (key: string) => published.find((p) => p.Name?.endsWith(`/${key}`))?.Value ?? '';
  // What ECS does mid-deployment: all traffic to the alternate group.
  const elbv2 = new ElasticLoadBalancingV2Client({});
  await elbv2.send(
    new ModifyRuleCommand({
      RuleArn: value('production-rule-arn'),
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: value('target-group-arn'), Weight: 0 }, { TargetGroupArn: value('alternate-target-group-arn'), Weight: 100 }] } }],
    }),
  );
  console.log('\nAs ECS would mid-deployment: the production rule now sends 0/100 to the primary/alternate group.');
  await once('A pass after ECS moved the traffic: nothing to do (the weights are ECS\'s)');

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  console.log(`=== The controller: routeyard --source ${source} --interval 10s --port ${port}`);
  const daemon = spawn(process.execPath, [bin, '--source', source, '--interval', '10s', '--port', String(port)], {
    cwd: root,
    env: { ...process.env, ROUTEYARD_LOG_LEVEL: process.env.ROUTEYARD_LOG_LEVEL ?? 'error' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  try {
    const first = await waitFor('the first pass', 60, () => getDrift(url));
    console.log(`Dashboard: ${url}   (JSON: ${url}drift, metrics: ${url}metrics)`);
    console.log(`First controller pass: ${first.outcome}, ${first.services.length} services, ${first.services.filter((s) => s.status === 'InSync').length} in sync\n`);

    // Out of band: someone deletes fastapi-app's listener rule in the console.
    const rules = ((await elbv2.send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
    const victim = tags.find((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === 'fastapi-app'))!.ResourceArn!;
    await elbv2.send(new DeleteRuleCommand({ RuleArn: victim }));
    const deletedAt = Date.now();
    console.log(`Out of band: deleted the listener rule of fastapi-app (${victim})`);

    const repair = await waitFor('the repair', 60, async () => {
      const d = await getDrift(url);
      const pass = d?.recentPasses.find((p) => p.actionsApplied > 0 && Date.parse(p.at) > deletedAt);
      return d && pass ? { d, pass } : undefined;
    });
    const seen = repair.d.passId === repair.pass.passId ? repair.d.services.find((s) => s.name === 'fastapi-app') : undefined;
    if (seen) console.log(`The controller reported fastapi-app ${seen.status}: ${seen.resources.filter((r) => r.status !== 'InSync').map((r) => `${r.kind} ${r.status}`).join(', ')}`);
    console.log(`... and repaired it: pass ${repair.pass.passId} (trigger: ${repair.pass.trigger}), ${repair.pass.actionsApplied} action(s) applied, ${((Date.now() - deletedAt) / 1000).toFixed(1)} s after the delete.`);
    const after = await waitFor('a clean pass', 30, async () => {
      const d = await getDrift(url);
      return d && d.passId !== repair.pass.passId && d.outcome === 'InSync' ? d : undefined;
    });
    console.log(`Next pass: ${after.outcome}; every service in sync.\n`);

    if (process.stdout.isTTY) {
      console.log(`The controller keeps running: open ${url} in a browser. Press Ctrl-C to stop.`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } catch (err) {
    failed = true;
    console.error(`demo failed: ${(err as Error).message}`);
  } finally {
    daemon.kill('SIGTERM');
    const code = await exited;
    console.log(`Controller stopped (exit code ${code}).`);
    if (code !== 0) failed = true;
  }
} finally {
  await moto.stop();
}
process.exitCode = failed ? 1 : 0;
