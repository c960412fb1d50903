import { DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { observeLoadBalancing } from './observe.ts';

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

    const { rules, targetGroups } = await observeLoadBalancing(client, 'arn:listener');
    expect(rules).toHaveLength(25);
    expect(rules[0]).toEqual({
      arn: 'arn:rule/1',
      priority: 1,
      headerConditions: [{ name: 'X-Target-Service', values: ['s1'] }],
      otherConditions: [],
      actionTypes: ['forward'],
      targetGroupArns: ['arn:tg/1'],
      tags: { k: 'arn:rule/1' },
    });
    const batches = mock.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns!.length);
    expect(batches).toEqual([20, 6]);
    expect(targetGroups.find((g) => g.name === 'legacy')?.tags).toBeUndefined();
    expect(targetGroups.find((g) => g.name === 'ry-a-12345678')?.tags).toEqual({ k: 'arn:tg/ours' });
  });
});
