import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { observeLoadBalancing, observeTargetHealth } from './observe.ts';

const LB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/abc';
const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/abc/l1';

// aws-sdk-client-mock: paging and tag batching with more resources than a test account holds.
describe('observeLoadBalancing (aws-sdk-client-mock)', () => {
  it('follows rule pages, skips the default rule, and tags rules plus ry- groups in batches of 20', async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    const rule = (i: number) => ({
      RuleArn: `arn:rule/${i}`,
      Priority: String(i),
      Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: [`s${i}`] } }],
      Actions: [{ Type: 'forward' as const, TargetGroupArn: `arn:tg/${i}`, ForwardConfig: { TargetGroups: [{ TargetGroupArn: `arn:tg/${i}` }] } }],
    });
    mock.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB }] });
    mock
      .on(DescribeRulesCommand, { Marker: undefined })
      .resolves({ Rules: [{ RuleArn: 'arn:rule/default', Priority: 'default', IsDefault: true }, ...Array.from({ length: 15 }, (_, i) => rule(i + 1))], NextMarker: 'm2' })
      .on(DescribeRulesCommand, { Marker: 'm2' })
      .resolves({ Rules: Array.from({ length: 10 }, (_, i) => rule(i + 16)) });
    mock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: 'arn:tg/ours', TargetGroupName: 'ry-a-12345678', Port: 80 },
        { TargetGroupArn: 'arn:tg/theirs', TargetGroupName: 'legacy', Port: 80 },
      ],
    });
    mock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({ TagDescriptions: input.ResourceArns.map((ResourceArn) => ({ ResourceArn, Tags: [{ Key: 'k', Value: ResourceArn }] })) }));

    const { rules, targetGroups } = await observeLoadBalancing(client, [LISTENER]);
    expect(rules).toHaveLength(25);
    expect(rules[0]).toEqual({
      arn: 'arn:rule/1',
      priority: 1,
      headerConditions: [{ name: 'X-Target-Service', values: ['s1'] }],
      otherConditions: [],
      actionTypes: ['forward'],
      targetGroupArns: ['arn:tg/1'],
      forward: [{ arn: 'arn:tg/1', weight: 1 }],
      transforms: [],
      tags: { k: 'arn:rule/1' },
      listenerArn: LISTENER,
    });
    const batches = mock.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns!.length);
    expect(batches).toEqual([20, 6]);
    expect(targetGroups.find((g) => g.name === 'legacy')?.tags).toBeUndefined();
    expect(targetGroups.find((g) => g.name === 'ry-a-12345678')?.tags).toEqual({ k: 'arn:tg/ours' });
  });

  it('counts the rules of every listener of the load balancer, as AWS counts its 100-rule quota per load balancer', async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    const other = `${LB.replace(':loadbalancer/', ':listener/')}/l2`;
    mock.on(DescribeListenersCommand, { LoadBalancerArn: LB }).resolves({
      Listeners: [
        { ListenerArn: LISTENER, LoadBalancerArn: LB, DefaultActions: [{ Type: 'fixed-response' }] },
        { ListenerArn: other, LoadBalancerArn: LB, DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn:tg/default' }] },
      ],
    });
    const fwd = (arn: string, tg: string, priority: string) => ({ RuleArn: arn, Priority: priority, Actions: [{ Type: 'forward' as const, TargetGroupArn: tg }] });
    mock.on(DescribeRulesCommand, { ListenerArn: LISTENER }).resolves({ Rules: [fwd('arn:rule/a', 'arn:tg/a', '1'), { RuleArn: 'arn:rule/d1', Priority: 'default', IsDefault: true }] });
    mock.on(DescribeRulesCommand, { ListenerArn: other }).resolves({
      Rules: [fwd('arn:rule/x', 'arn:tg/x', '1'), fwd('arn:rule/y', 'arn:tg/y', '2'), { RuleArn: 'arn:rule/d2', Priority: 'default', IsDefault: true }],
    });
    mock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    mock.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });

    const { rules, listeners } = await observeLoadBalancing(client, [LISTENER]);
    const loadBalancer = listeners[0]!.loadBalancer;
    expect(rules.map((r) => r.arn)).toEqual(['arn:rule/a']);
    expect(loadBalancer).toEqual({ arn: LB, listenerCount: 2, ruleCount: 3, attachedTargetGroupArns: ['arn:tg/a', 'arn:tg/default', 'arn:tg/x', 'arn:tg/y'] });
    expect(mock.commandCalls(DescribeListenersCommand)).toHaveLength(1);
  });

  it('reads header RegexValues, rule Transforms and weighted forwards, which moto does not return', async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    mock.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB }] });
    mock.on(DescribeRulesCommand).resolves({
      Rules: [
        {
          RuleArn: 'arn:rule/r',
          Priority: '7',
          Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', RegexValues: ['^fast.*'] } }],
          Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'arn:tg/old', Weight: 1 }, { TargetGroupArn: 'arn:tg/new', Weight: 0 }] } }],
          Transforms: [{ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/a', Replace: '/b' }] } }],
        },
      ],
    });
    mock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    mock.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    const { rules } = await observeLoadBalancing(client, [LISTENER]);
    expect(rules[0]).toMatchObject({
      headerConditions: [{ name: 'X-Target-Service', values: [], regexValues: ['^fast.*'] }],
      forward: [
        { arn: 'arn:tg/new', weight: 0 },
        { arn: 'arn:tg/old', weight: 1 },
      ],
      transforms: ['url-rewrite'],
    });
  });

  it('summarises DescribeTargetHealth per group, and marks a group whose health cannot be read', async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    mock.on(DescribeTargetHealthCommand, { TargetGroupArn: 'arn:tg/a' }).resolves({
      TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }, { TargetHealth: { State: 'initial' } }, { TargetHealth: { State: 'healthy' } }],
    });
    mock.on(DescribeTargetHealthCommand, { TargetGroupArn: 'arn:tg/b' }).resolves({ TargetHealthDescriptions: [{ TargetHealth: { State: 'unused', Reason: 'Target.NotInUse' } }] });
    mock.on(DescribeTargetHealthCommand, { TargetGroupArn: 'arn:tg/c' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const health = await observeTargetHealth(client, ['arn:tg/a', 'arn:tg/b', 'arn:tg/c']);
    expect(health.get('arn:tg/a')).toEqual({ readable: true, healthy: 2, registered: 3, states: { healthy: 2, initial: 1 } });
    expect(health.get('arn:tg/b')).toEqual({ readable: true, healthy: 0, registered: 1, states: { unused: 1 } });
    expect(health.get('arn:tg/c')).toEqual({ readable: false, error: 'AccessDenied: denied' });
  });

  it("reads each shard's load balancer's DNS name and hosted zone in one DescribeLoadBalancers; a failed read leaves them unset, not a failed pass", async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    const LB2 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/second/def';
    const LISTENER2 = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/second/def/l2';
    mock.on(DescribeListenersCommand, { LoadBalancerArn: LB }).resolves({ Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB }] });
    mock.on(DescribeListenersCommand, { LoadBalancerArn: LB2 }).resolves({ Listeners: [{ ListenerArn: LISTENER2, LoadBalancerArn: LB2 }] });
    mock.on(DescribeRulesCommand).resolves({ Rules: [] });
    mock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    mock.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        { LoadBalancerArn: LB2, DNSName: 'internal-second-2.eu-west-1.elb.amazonaws.com', CanonicalHostedZoneId: 'Z32O12XQLNTSW2' },
        { LoadBalancerArn: LB, DNSName: 'internal-shared-1.eu-west-1.elb.amazonaws.com', CanonicalHostedZoneId: 'Z32O12XQLNTSW2' },
      ],
    });
    const read = await observeLoadBalancing(client, [LISTENER, LISTENER2]);
    expect(read.listeners.map((l) => l.loadBalancer.dnsName)).toEqual(['internal-shared-1.eu-west-1.elb.amazonaws.com', 'internal-second-2.eu-west-1.elb.amazonaws.com']);
    expect(mock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(1);
    expect(mock.commandCalls(DescribeLoadBalancersCommand)[0]!.args[0].input.LoadBalancerArns).toEqual([LB, LB2]);

    mock.on(DescribeLoadBalancersCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const unread = await observeLoadBalancing(client, [LISTENER, LISTENER2]);
    expect(unread.listeners.map((l) => l.loadBalancer.dnsName)).toEqual([undefined, undefined]);
  });
});

describe('observeLoadBalancing: a shard dropped from the document (aws-sdk-client-mock)', () => {
  const OLD_LB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/old/def';
  const OLD_LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/old/def/l9';
  const setup = () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    mock.on(DescribeListenersCommand, { LoadBalancerArn: LB }).resolves({ Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB }] });
    mock.on(DescribeRulesCommand, { ListenerArn: LISTENER }).resolves({ Rules: [] });
    mock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: 'arn:tg/ours', TargetGroupName: 'ry-a-12345678', LoadBalancerArns: [OLD_LB] },
        { TargetGroupArn: 'arn:tg/other-owner', TargetGroupName: 'ry-b-12345678', LoadBalancerArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/else/x'] },
      ],
    });
    mock.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((ResourceArn) => ({ ResourceArn, Tags: [{ Key: 'routeyard:owner', Value: ResourceArn === 'arn:tg/other-owner' ? 'someone-else' : 'acmecorp-qa' }] })),
    }));
    return { client, mock };
  };

  it('reads the listeners of a load balancer this owner\'s groups are still attached to, marked departed; not another owner\'s', async () => {
    const { client, mock } = setup();
    mock.on(DescribeListenersCommand, { LoadBalancerArn: OLD_LB }).resolves({ Listeners: [{ ListenerArn: OLD_LISTENER, LoadBalancerArn: OLD_LB }] });
    mock.on(DescribeRulesCommand, { ListenerArn: OLD_LISTENER }).resolves({ Rules: [{ RuleArn: 'arn:rule/old-a', Priority: '7', Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg/ours' }] }] });
    const { rules, listeners } = await observeLoadBalancing(client, [LISTENER], 'acmecorp-qa');
    expect(listeners.map((l) => [l.listenerArn, l.departed ?? false])).toEqual([
      [LISTENER, false],
      [OLD_LISTENER, true],
    ]);
    expect(rules).toEqual([expect.objectContaining({ arn: 'arn:rule/old-a', listenerArn: OLD_LISTENER, tags: { 'routeyard:owner': 'acmecorp-qa' } })]);
  });

  it('a departed load balancer deleted meanwhile is skipped, not a failed pass', async () => {
    const { client, mock } = setup();
    const gone = Object.assign(new Error('One or more load balancers not found'), { name: 'LoadBalancerNotFoundException' });
    mock.on(DescribeListenersCommand, { LoadBalancerArn: OLD_LB }).rejects(gone);
    const { listeners } = await observeLoadBalancing(client, [LISTENER], 'acmecorp-qa');
    expect(listeners.map((l) => l.listenerArn)).toEqual([LISTENER]);
  });

  it('without an owner, no departed listener is looked for', async () => {
    const { client, mock } = setup();
    const { listeners } = await observeLoadBalancing(client, [LISTENER]);
    expect(listeners).toHaveLength(1);
    expect(mock.commandCalls(DescribeListenersCommand, { LoadBalancerArn: OLD_LB })).toHaveLength(0);
  });

  it('asks DescribeLoadBalancers for at most 20 load balancers a call, as AWS allows', async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    mock.on(DescribeRulesCommand).resolves({ Rules: [] });
    mock.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [] });
    // AWS takes at most 20 ARNs per DescribeLoadBalancers call (API reference: "up to 20 load balancers in a single call").
    const lbArn = (i: number) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/lb${i}/${i}`;
    const many = Array.from({ length: 25 }, (_, i) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/lb${i}/${i}/l`);
    mock.on(DescribeListenersCommand).callsFake((input: { LoadBalancerArn: string }) => ({ Listeners: [{ ListenerArn: `${input.LoadBalancerArn.replace(':loadbalancer/', ':listener/')}/l`, LoadBalancerArn: input.LoadBalancerArn }] }));
    mock.on(DescribeLoadBalancersCommand).callsFake((input: { LoadBalancerArns: string[] }) => {
      if (input.LoadBalancerArns.length > 20) throw Object.assign(new Error('too many'), { name: 'ValidationError' });
      return { LoadBalancers: input.LoadBalancerArns.map((a) => ({ LoadBalancerArn: a, DNSName: `${a.split('/')[2]}.elb.amazonaws.com` })) };
    });
    const wide = await observeLoadBalancing(client, many);
    expect(mock.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input.LoadBalancerArns!.length)).toEqual([20, 5]);
    expect(wide.listeners.map((l) => l.loadBalancer.dnsName)).toEqual(many.map((_, i) => `lb${i}.elb.amazonaws.com`));
    expect(wide.listeners[0]!.loadBalancer.arn).toBe(lbArn(0));

  });
});
