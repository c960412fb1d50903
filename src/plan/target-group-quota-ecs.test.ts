import { describe, expect, it } from 'vitest';
import { desiredFrom, emptyObserved, svc, withLoadBalancerCounts } from '../../test/unit/builders.ts';
import { plan } from './planner.ts';

/**
 * AWS: at most 100 target groups per Application Load Balancer, not adjustable ("Target groups
 * per Application Load Balancer", ALB quotas); a group counts once, however many rules of the
 * load balancer forward to it (ELBv2 API reference, TooManyUniqueTargetGroupsPerLoadBalancer:
 * "If a target group is used by multiple actions for a load balancer, it is counted as only one
 * use"). An ECS service with a test rule forwards from two rules to the same two new groups:
 * two attachments, not four.
 */
describe('AWS: the 100-target-group quota counts each group once, even when an ECS production and test rule both forward to it', () => {
  const ecs = (testTraffic: boolean) =>
    desiredFrom([svc('a', { priority: 10, deployment: { strategy: 'ecs', ...(testTraffic ? { testTraffic: { header: 'X-Canary', value: '1' } } : {}) } })]);
  const attachedElsewhere = (n: number) => withLoadBalancerCounts(emptyObserved(), 0, Array.from({ length: n }, (_, i) => `arn:tg/other-${i}`));

  for (const elsewhere of [97, 98]) {
    it(`${elsewhere} groups attached elsewhere: the service's two new groups make ${elsewhere + 2}, within the quota, with or without a test rule`, () => {
      for (const testTraffic of [false, true]) {
        const p = plan(ecs(testTraffic), attachedElsewhere(elsewhere));
        expect(p.services[0]!.status, `testTraffic ${testTraffic}`).toBe('Missing');
        expect(p.actions.filter((a) => a.payload.type === 'createTargetGroup')).toHaveLength(2);
        expect(p.actions.filter((a) => a.payload.type === 'createRule')).toHaveLength(testTraffic ? 2 : 1);
      }
    });
  }

  it('99 attached elsewhere: two more would make 101, so the service is an Error and nothing is created', () => {
    const p = plan(ecs(true), attachedElsewhere(99));
    expect(p.services[0]!.status).toBe('Error');
    expect(p.actions).toEqual([]);
  });
});
