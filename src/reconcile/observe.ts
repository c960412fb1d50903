import { RouteyardError, describeError } from '../errors.ts';
import type { DesiredState } from '../model/desired.ts';
import type { ObservedState } from '../model/observed.ts';
import { targetGroupsNeedingHealth } from '../plan/target-groups.ts';
import type { Observer } from './ports.ts';

/**
 * Read everything the planner compares against, in one snapshot. A failure to read the
 * listener, target groups or API list fails the pass (a partial view would look like
 * missing resources and cause wrong creates); a failure on one API's children is kept
 * in the snapshot and marks only that service.
 */
export async function observeLiveState(desired: DesiredState, observer: Observer): Promise<ObservedState> {
  const wantedApiNames = new Set(desired.services.flatMap((s) => (s.api ? [s.api.name] : [])));
  const adoptable = new Set(desired.services.flatMap((s) => (s.api && s.adopt ? [s.api.name] : [])));
  const step = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      throw new RouteyardError('ObserveFailed', `cannot read ${what}: ${describeError(err)}`, { fault: 'aws', cause: err });
    }
  };
  const [{ rules, targetGroups, loadBalancer }, apis] = await Promise.all([
    step(`the rules of listener ${desired.listenerArn}, its load balancer and target groups`, () => observer.loadBalancing(desired.listenerArn)),
    step('HTTP APIs', () => observer.httpApis(desired.owner, wantedApiNames, adoptable)),
  ]);
  // Target health only while a service's target group is being replaced; none in steady state.
  const needHealth = targetGroupsNeedingHealth(desired, targetGroups);
  if (needHealth.length > 0) {
    const health = await observer.targetHealth(needHealth);
    for (const g of targetGroups) {
      const h = health.get(g.arn);
      if (h) g.health = h;
    }
  }
  return { listenerArn: desired.listenerArn, loadBalancer, rules, targetGroups, apis };
}
