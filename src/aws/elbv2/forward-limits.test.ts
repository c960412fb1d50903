import { CreateRuleCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand, type Action, type RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { Elbv2Applier } from './apply.ts';

/**
 * What routeyard sends in CreateRule and ModifyRule for ECS deployments (issue 16), checked
 * against the rules AWS states in prose, where the ELBv2 model is silent (no min or max on
 * TargetGroupWeight, TargetGroupList, ListOfString or HttpHeaderConditionName, so neither
 * the launcher's model check nor moto refuses a request that breaks them):
 *
 * - TargetGroupTuple.Weight: "The weight. The range is 0 to 999." (ELBv2 API reference)
 * - "If you specify multiple target groups for a forward action, you must specify a weight
 *   for each target group" (ALB guide, Listener rules, forward actions); at most 5 target
 *   groups per forward action ("Target groups per action", ALB quotas, not adjustable).
 * - "You can specify up to three comparison strings per condition and up to five per rule"
 *   (ALB guide, Listener rules).
 * - HttpHeaderConditionConfig.HttpHeaderName: at most 40 characters; "You can't use an HTTP
 *   header condition to specify the host header"; values at most 128 characters.
 * - ModifyRule: "Any properties that you do not specify are unchanged." Conditions are a whole
 *   list ("To add an item to a list ... you must provide the entire list").
 *
 * A forward whose weights are all 0 sends no traffic anywhere; routeyard never sends one
 * (apply.ts liveWeights), and these tests hold it to that.
 */
const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const applier = new Elbv2Applier(client);

const TG = (n: number) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-svc-${n}/${String(n).padStart(16, '0')}`;
const RULE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shared/abc/def/0123456789abcdef';
const tags = { 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'svc' };

/** Every AWS rule above that a forward action and its conditions can break, as messages (empty: none broken). */
function brokenRules(actions: Action[] | undefined, conditions: RuleCondition[] | undefined): string[] {
  const broken: string[] = [];
  for (const a of actions ?? []) {
    if (a.Type !== 'forward') continue;
    const groups = a.ForwardConfig?.TargetGroups ?? [];
    if (groups.length > 5) broken.push(`${groups.length} target groups in one forward action (at most 5)`);
    if (new Set(groups.map((g) => g.TargetGroupArn)).size !== groups.length) broken.push('a target group twice in one forward action');
    if (groups.length > 1 && groups.some((g) => g.Weight === undefined)) broken.push('a target group without a weight in a multi-group forward');
    for (const g of groups) if (g.Weight !== undefined && (!Number.isInteger(g.Weight) || g.Weight < 0 || g.Weight > 999)) broken.push(`weight ${g.Weight} outside 0..999`);
    if (groups.length > 0 && groups.every((g) => (g.Weight ?? 1) === 0)) broken.push('every weight 0');
    if (a.TargetGroupArn && groups.length > 0 && (groups.length > 1 || groups[0]!.TargetGroupArn !== a.TargetGroupArn)) broken.push('TargetGroupArn beside a different ForwardConfig');
  }
  let values = 0;
  for (const c of conditions ?? []) {
    const h = c.HttpHeaderConfig;
    if (c.Field !== 'http-header' || !h) continue;
    const n = (h.Values ?? []).length;
    values += n;
    if (n === 0) broken.push('an empty condition');
    if (n > 3) broken.push(`${n} values in one condition (at most 3)`);
    if ((h.HttpHeaderName ?? '').length > 40) broken.push('a header name over 40 characters');
    if ((h.HttpHeaderName ?? '').toLowerCase() === 'host') broken.push('an http-header condition on Host');
    for (const v of h.Values ?? []) if (v.length > 128 || v.length === 0) broken.push(`a header value of ${v.length} characters`);
  }
  if (values > 5) broken.push(`${values} condition values in one rule (at most 5)`);
  return broken;
}

describe('ECS rules as routeyard sends them stay within what AWS accepts (aws-sdk-client-mock)', () => {
  beforeEach(() => {
    mock.reset();
    mock.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: RULE }] });
    mock.on(ModifyRuleCommand).resolves({});
  });

  it('CreateRule for a production rule: one forward to both groups, weights 100/0, one header condition', async () => {
    await applier.createRule({ listenerArn: 'arn:listener', priority: 7, headerName: 'X-Target-Service', headerValue: 'svc', targetGroupArn: TG(1), tags, weighted: { targets: [TG(1), TG(2)], weights: [100, 0] } });
    const input = mock.commandCalls(CreateRuleCommand)[0]!.args[0].input;
    expect(input.Actions).toEqual([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG(1), Weight: 100 }, { TargetGroupArn: TG(2), Weight: 0 }] } }]);
    expect(input.Actions![0]).not.toHaveProperty('TargetGroupArn');
    expect(brokenRules(input.Actions, input.Conditions)).toEqual([]);
  });

  it('CreateRule for a test rule: two http-header conditions of one value each (2 of the 5 a rule may have)', async () => {
    await applier.createRule({
      listenerArn: 'arn:listener',
      priority: 6,
      headerName: 'X-Target-Service',
      headerValue: 'v'.repeat(128),
      targetGroupArn: TG(1),
      tags,
      testHeader: { name: 'X'.repeat(40), value: 'c'.repeat(128) },
      weighted: { targets: [TG(1), TG(2)], weights: [100, 0] },
    });
    const input = mock.commandCalls(CreateRuleCommand)[0]!.args[0].input;
    expect(input.Conditions).toEqual([
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['v'.repeat(128)] } },
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X'.repeat(40), Values: ['c'.repeat(128)] } },
    ]);
    expect(brokenRules(input.Actions, input.Conditions)).toEqual([]);
  });

  it('ModifyRule with conditionsOnly sends the whole condition list and no Actions at all (AWS then keeps the weights ECS set)', async () => {
    await applier.modifyRule({ arn: RULE, headerName: 'X-Target-Service', headerValue: 'svc', targetGroupArn: TG(1), conditionsOnly: true, testHeader: { name: 'X-Canary', value: '1' } });
    const input = mock.commandCalls(ModifyRuleCommand)[0]!.args[0].input;
    expect(Object.keys(input).sort()).toEqual(['Conditions', 'RuleArn']);
    expect(input.Conditions).toHaveLength(2);
    expect(mock.commandCalls(DescribeRulesCommand)).toHaveLength(0);
  });

  /** A forward action as AWS can hold it: 1 to 5 distinct groups, weights 0..999, not all 0; one group may come back as TargetGroupArn alone. */
  const liveForward = fc
    .uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 5 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.integer({ min: 0, max: 999 }), { minLength: ids.length, maxLength: ids.length }), fc.boolean()))
    .filter(([, weights]) => weights.some((w) => w > 0))
    .map(([ids, weights, plain]): Action =>
      ids.length === 1 && plain
        ? { Type: 'forward', TargetGroupArn: TG(ids[0]!) }
        : { Type: 'forward', ForwardConfig: { TargetGroups: ids.map((id, i) => ({ TargetGroupArn: TG(id), Weight: weights[i]! })), TargetGroupStickinessConfig: { Enabled: false } } },
    );
  const routeyardPair = fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 2 });

  it('ModifyRule with live weights: whatever forward AWS holds, the forward sent is one AWS accepts, to exactly routeyard\'s two groups, keeping the weight each had', async () => {
    await fc.assert(
      fc.asyncProperty(liveForward, routeyardPair, async (live, pair) => {
        mock.reset();
        mock.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Actions: [live] }] });
        mock.on(ModifyRuleCommand).resolves({});
        const targets = pair.map(TG);
        await applier.modifyRule({ arn: RULE, headerName: 'X-Target-Service', headerValue: 'svc', targetGroupArn: targets[0]!, weighted: { targets, weights: 'live' } });
        const input = mock.commandCalls(ModifyRuleCommand)[0]!.args[0].input;
        expect(brokenRules(input.Actions, input.Conditions)).toEqual([]);
        const sent = input.Actions![0]!.ForwardConfig!.TargetGroups!;
        expect(sent.map((g) => g.TargetGroupArn)).toEqual(targets);
        // A forward to one group sends it everything, whatever weight it carries: 100.
        const groups = live.ForwardConfig?.TargetGroups ?? [{ TargetGroupArn: live.TargetGroupArn, Weight: 100 }];
        const before = new Map(groups.map((g) => [g.TargetGroupArn, groups.length === 1 ? 100 : g.Weight]));
        const kept = targets.map((t) => before.get(t) ?? 0);
        // Each group keeps its weight; only when neither carried traffic does the first take it all.
        expect(sent.map((g) => g.Weight)).toEqual(kept.some((w) => w > 0) ? kept : [100, 0]);
      }),
      { numRuns: 300 },
    );
  });

  it('ModifyRule with fixed weights (the rule creates and repairs): 100/0 and the standby pair 1/0 are within 0..999 and not all 0', async () => {
    await applier.modifyRule({ arn: RULE, headerName: 'X-Target-Service', headerValue: 'svc', targetGroupArn: TG(1), weighted: { targets: [TG(1), TG(2)], weights: [100, 0] } });
    await applier.modifyRule({ arn: RULE, headerName: 'X-Target-Service', headerValue: 'svc', targetGroupArn: TG(1), standbyTargetGroupArn: TG(2) });
    await applier.modifyRule({ arn: RULE, headerName: 'X-Target-Service', headerValue: 'svc', targetGroupArn: TG(1) });
    for (const call of mock.commandCalls(ModifyRuleCommand)) expect(brokenRules(call.args[0].input.Actions, call.args[0].input.Conditions)).toEqual([]);
  });

  it('the checker itself catches each broken rule (so an empty list above means something)', () => {
    const fwd = (ws: (number | undefined)[], ids = ws.map((_, i) => i + 1)): Action[] => [{ Type: 'forward', ForwardConfig: { TargetGroups: ids.map((id, i) => ({ TargetGroupArn: TG(id), Weight: ws[i] })) } }];
    const hdr = (name: string, values: string[]): RuleCondition => ({ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: name, Values: values } });
    expect(brokenRules(fwd([1, 1, 1, 1, 1, 1]), [])).toEqual(['6 target groups in one forward action (at most 5)']);
    expect(brokenRules(fwd([1000, 0]), [])).toEqual(['weight 1000 outside 0..999']);
    expect(brokenRules(fwd([0, 0]), [])).toEqual(['every weight 0']);
    expect(brokenRules(fwd([1, undefined]), [])).toEqual(['a target group without a weight in a multi-group forward']);
    expect(brokenRules(fwd([1, 1], [3, 3]), [])).toEqual(['a target group twice in one forward action']);
    expect(brokenRules([], [hdr('Host', ['a'])])).toEqual(['an http-header condition on Host']);
    expect(brokenRules([], [hdr('X-A', ['1', '2', '3', '4'])])).toEqual(['4 values in one condition (at most 3)']);
    expect(brokenRules([], [hdr('X-A', ['1', '2', '3']), hdr('X-B', ['4', '5', '6'])])).toEqual(['6 condition values in one rule (at most 5)']);
  });
});
