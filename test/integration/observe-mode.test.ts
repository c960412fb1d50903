import { DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { dryRun, exampleDoc, freshEmulator, reconcile, service, type Doc } from '../support/harness.ts';

/** manage: observe against moto: read and report, never write, in any mode and any pass. */
const elbv2 = () => new ElasticLoadBalancingV2Client({});

function observing(doc: Doc = exampleDoc()): Doc {
  doc.spec.shared.outputsPrefix = '/acmecorp/routeyard';
  for (const s of doc.spec.services) s.manage = 'observe';
  return doc;
}

async function ruleOf(listenerArn: string, svc: string) {
  const rules = ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
  const tags = (await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
  const arn = tags.find((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === svc))!.ResourceArn!;
  return rules.find((r) => r.RuleArn === arn)!;
}

let platform: SharedPlatform;

describe('manage: observe against moto', () => {
  beforeAll(async () => {
    platform = await freshEmulator();
  });

  it('on an empty account: every pass reports what it would create, makes no mutating call, and exits 2 (DriftFound)', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await reconcile(observing());
      expect(run.report.stats.awsCalls.mutating).toBe(0);
      expect(run.exitCode).toBe(2);
      expect(run.report.outcome).toBe('DriftFound');
      expect(run.report.actions.length).toBeGreaterThan(0);
      expect(run.report.actions.every((a) => a.result === 'observe')).toBe(true);
      expect(service(run.report, 'fastapi-app')).toMatchObject({ status: 'Missing', manage: 'observe' });
    }
  });

  it('beside a converged platform: out-of-band drift is reported with its diffs and left as it is', async () => {
    const full = exampleDoc();
    full.spec.shared.outputsPrefix = '/acmecorp/routeyard';
    expect((await reconcile(full)).exitCode).toBe(0);
    const victim = await ruleOf(platform.listenerArn, 'loopback-app');
    await elbv2().send(new ModifyRuleCommand({ RuleArn: victim.RuleArn!, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['changed-by-hand'] } }] }));
    for (const run of [await dryRun(observing()), await reconcile(observing()), await reconcile(observing())]) {
      expect(run.report.stats.awsCalls.mutating).toBe(0);
      expect(run.exitCode).toBe(2);
      const s = service(run.report, 'loopback-app');
      expect(s.status).toBe('Drifted');
      expect(s.resources.flatMap((r) => r.diffs.map((d) => d.path))).toContain('listenerRule.condition.httpHeader.values');
      expect(service(run.report, 'fastapi-app').status).toBe('InSync');
    }
    const after = await ruleOf(platform.listenerArn, 'loopback-app');
    expect(after.Conditions?.[0]?.HttpHeaderConfig?.Values).toEqual(['changed-by-hand']);
    // Back to full management: the next pass repairs it.
    const repaired = await reconcile(full);
    expect(repaired.exitCode).toBe(0);
    expect((await ruleOf(platform.listenerArn, 'loopback-app')).Conditions?.[0]?.HttpHeaderConfig?.Values).toEqual(['loopback-app']);
  });
});
