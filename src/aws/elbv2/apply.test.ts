import { DeleteTargetGroupCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand, type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Elbv2Applier } from './apply.ts';

// aws-sdk-client-mock: moto frees a target group at once, so the "still in use" window
// AWS has after a rule is deleted can only be shown here.
const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const applier = new Elbv2Applier(client);
const inUse = () => Object.assign(new Error('Target group is currently in use by a listener or a rule'), { name: 'ResourceInUseException' });

describe('Elbv2Applier.deleteTargetGroup (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('retries while the group is still in use, then succeeds', async () => {
    mock.on(DeleteTargetGroupCommand).rejectsOnce(inUse()).rejectsOnce(inUse()).resolves({});
    await applier.deleteTargetGroup('arn:tg/1', 1);
    expect(mock.commandCalls(DeleteTargetGroupCommand)).toHaveLength(3);
  });

  it('does not retry any other error', async () => {
    mock.on(DeleteTargetGroupCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(applier.deleteTargetGroup('arn:tg/1', 1)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(mock.commandCalls(DeleteTargetGroupCommand)).toHaveLength(1);
  });
});

describe('Elbv2Applier.modifyRule with ECS-owned weights (aws-sdk-client-mock)', () => {
  const RULE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shared/abc/def/1';
  const PRIMARY = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-a-primary/1';
  const ALTERNATE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-a-alternate/2';
  const STRANGER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/stranger/3';
  const base = { arn: RULE, headerName: 'X-Target-Service', headerValue: 'a', targetGroupArn: PRIMARY };
  const routing = { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['a'] } };
  const canary = { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['1'] } };
  const liveRule = (actions: Action[]) => mock.on(DescribeRulesCommand, { RuleArns: [RULE] }).resolves({ Rules: [{ RuleArn: RULE, Priority: '10', Actions: actions }] });
  const forward = (groups: [string, number][]): Action => ({ Type: 'forward', ForwardConfig: { TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } });
  const sent = () => {
    const calls = mock.commandCalls(ModifyRuleCommand);
    expect(calls).toHaveLength(1);
    return calls[0]!.args[0].input;
  };

  beforeEach(() => {
    mock.reset();
    mock.on(ModifyRuleCommand).resolves({});
  });

  it('conditionsOnly sends the conditions (test header too) and no Actions, and reads nothing first', async () => {
    await applier.modifyRule({ ...base, conditionsOnly: true, testHeader: { name: 'X-Canary', value: '1' }, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    const input = sent();
    expect(input).toEqual({ RuleArn: RULE, Conditions: [routing, canary] });
    expect(input).not.toHaveProperty('Actions');
    expect(mock.commandCalls(DescribeRulesCommand)).toHaveLength(0);
  });

  it('weighted "live" reads the rule first and keeps its weights for each group', async () => {
    liveRule([forward([[ALTERNATE, 70], [PRIMARY, 30]])]);
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    expect(mock.commandCalls(DescribeRulesCommand)).toHaveLength(1);
    expect(mock.commandCalls(DescribeRulesCommand)[0]!.args[0].input).toEqual({ RuleArns: [RULE] });
    expect(sent()).toEqual({ RuleArn: RULE, Conditions: [routing], Actions: [forward([[PRIMARY, 30], [ALTERNATE, 70]])] });
  });

  it('weighted "live": a group new to the rule gets 0 and a group not wanted is dropped', async () => {
    liveRule([forward([[ALTERNATE, 100], [STRANGER, 0]])]);
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    expect(sent().Actions).toEqual([forward([[PRIMARY, 0], [ALTERNATE, 100]])]);
  });

  it('weighted "live": a single-group forward counts as 100, whatever weight AWS echoes or when it echoes none', async () => {
    liveRule([{ Type: 'forward', TargetGroupArn: ALTERNATE }]);
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    expect(sent().Actions).toEqual([forward([[PRIMARY, 0], [ALTERNATE, 100]])]);

    mock.reset();
    mock.on(ModifyRuleCommand).resolves({});
    liveRule([{ Type: 'forward', TargetGroupArn: ALTERNATE, ForwardConfig: { TargetGroups: [{ TargetGroupArn: ALTERNATE, Weight: 1 }] } }]);
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    expect(sent().Actions).toEqual([forward([[PRIMARY, 0], [ALTERNATE, 100]])]);
  });

  it('weighted "live": when none of the groups carries traffic the first takes it all (AWS refuses all-zero weights)', async () => {
    liveRule([forward([[STRANGER, 100], [PRIMARY, 0], [ALTERNATE, 0]])]);
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    expect(sent().Actions).toEqual([forward([[PRIMARY, 100], [ALTERNATE, 0]])]);

    mock.reset();
    mock.on(ModifyRuleCommand).resolves({});
    liveRule([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }]);
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: 'live' } });
    expect(sent().Actions).toEqual([forward([[PRIMARY, 100], [ALTERNATE, 0]])]);
  });

  it('explicit weights are sent as they are, with no read; a plain change forwards to the one group', async () => {
    await applier.modifyRule({ ...base, weighted: { targets: [PRIMARY, ALTERNATE], weights: [100, 0] }, resetTransforms: true });
    expect(sent()).toEqual({ RuleArn: RULE, Conditions: [routing], Actions: [forward([[PRIMARY, 100], [ALTERNATE, 0]])], ResetTransforms: true });
    expect(mock.commandCalls(DescribeRulesCommand)).toHaveLength(0);

    mock.reset();
    mock.on(ModifyRuleCommand).resolves({});
    await applier.modifyRule(base);
    expect(sent()).toEqual({ RuleArn: RULE, Conditions: [routing], Actions: [{ Type: 'forward', TargetGroupArn: PRIMARY }] });
  });
});
