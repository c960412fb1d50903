import { describe, expect, it } from 'vitest';
import { RouteyardError } from '../errors.ts';
import { shardsOf } from '../model/desired.ts';
import { SecretValues } from '../secrets.ts';
import { resolveDesiredState } from './resolve.ts';
import type { ParameterStore } from './sources/types.ts';
import { validateObject } from './validate.ts';

const store = (values: Record<string, string>): (() => ParameterStore) => () => ({
  getParameter: async () => {
    throw new Error('not used');
  },
  getParametersByPath: async () => [],
  getParameters: async (names) => ({ found: names.flatMap((n) => (values[n] !== undefined ? [{ name: n, value: values[n]!, version: 1 }] : [])), missing: names.filter((n) => values[n] === undefined) }),
});

const doc = (shared: Record<string, unknown>) =>
  validateObject({
    apiVersion: 'routeyard/v1',
    kind: 'RouteSet',
    metadata: { name: 'acmecorp-qa' },
    spec: { shared: { vpcLinkId: 'vl-1', vpcId: 'vpc-1', ...shared }, services: [{ name: 'a', headerValue: 'a', targetGroup: { port: 80, protocol: 'HTTP', targetType: 'ip' } }] },
  });

describe('resolving several load balancers', () => {
  it('resolves each shard\'s ssm: references in the one GetParameters call, and keeps the first shard as the shorthand fields', async () => {
    const d = await resolveDesiredState(
      doc({
        loadBalancers: [
          { name: 'alb-1', listenerArn: 'ssm:/p/alb-1/listener-arn', albDnsName: 'ssm:/p/alb-1/dns', albHostedZoneId: 'Z1' },
          { name: 'alb-2', listenerArn: 'arn:listener/2', albDnsName: 'Internal-ALB-2.eu-west-1.elb.amazonaws.com.', albHostedZoneId: 'Z2', ruleQuota: 300 },
        ],
      }),
      store({ '/p/alb-1/listener-arn': 'arn:listener/1', '/p/alb-1/dns': 'internal-alb-1.eu-west-1.elb.amazonaws.com' }),
      100,
      new SecretValues(),
    );
    expect(shardsOf(d)).toEqual([
      { name: 'alb-1', listenerArn: 'arn:listener/1', albDnsName: 'internal-alb-1.eu-west-1.elb.amazonaws.com', albHostedZoneId: 'Z1', ruleQuota: 100 },
      { name: 'alb-2', listenerArn: 'arn:listener/2', albDnsName: 'internal-alb-2.eu-west-1.elb.amazonaws.com', albHostedZoneId: 'Z2', ruleQuota: 300 },
    ]);
    expect(d.listenerArn).toBe('arn:listener/1');
  });

  it('names the shard\'s field when its parameter does not exist', async () => {
    const err = await resolveDesiredState(doc({ loadBalancers: [{ name: 'alb-1', listenerArn: 'arn:l/1' }, { name: 'alb-2', listenerArn: 'ssm:/p/missing' }] }), store({}), 100, new SecretValues()).catch((e) => e);
    expect(err).toBeInstanceOf(RouteyardError);
    expect((err as RouteyardError).fieldErrors).toEqual([{ path: 'spec.shared.loadBalancers[1].listenerArn', message: 'refers to SSM parameter /p/missing, which does not exist' }]);
  });

  it('the shorthand is one shard named "default" with --rule-quota', async () => {
    const d = await resolveDesiredState(doc({ listenerArn: 'arn:l/only' }), store({}), 250, new SecretValues());
    expect(d.loadBalancers).toBeUndefined();
    expect(shardsOf(d)).toEqual([{ name: 'default', listenerArn: 'arn:l/only', ruleQuota: 250 }]);
  });
});
