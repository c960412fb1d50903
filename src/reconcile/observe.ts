import { RouteyardError, describeError } from '../errors.ts';
import { shardsOf, type DesiredState } from '../model/desired.ts';
import type { DeepReadSelector, ObservedNaming, ObservedOutputs, ObservedState } from '../model/observed.ts';
import { isOwnedBy } from '../model/tags.ts';

/** The account in an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...), if it has one. */
function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}
import { targetGroupsNeedingHealth } from '../plan/target-groups.ts';
import type { Observer } from './ports.ts';

/**
 * Read everything the planner compares against, in one snapshot. A failure to read the
 * listener, target groups or API list fails the pass (a partial view would look like
 * missing resources and cause wrong creates); a failure on one API's children is kept
 * in the snapshot and marks only that service.
 */
export interface DeepReads {
  /** Which APIs' integrations, routes and stages to read. */
  apis?: DeepReadSelector;
  /** Which owned custom domains' API mappings to read. */
  mappings?: DeepReadSelector;
  /** Cancels background reads still waiting (something more urgent is waiting). */
  signal?: AbortSignal;
}

export async function observeLiveState(desired: DesiredState, observer: Observer, deep: DeepReads = {}): Promise<ObservedState> {
  const wantedApiNames = new Set(desired.services.flatMap((s) => (s.api ? [s.api.name] : [])));
  const adoptable = new Set(desired.services.flatMap((s) => (s.api && s.adopt ? [s.api.name] : [])));
  const step = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (err) {
      throw new RouteyardError('ObserveFailed', `cannot read ${what}: ${describeError(err)}`, { fault: 'aws', cause: err });
    }
  };
  const shards = shardsOf(desired);
  const [{ rules, targetGroups, listeners }, apis] = await Promise.all([
    step(
      shards.length === 1 ? `the rules of listener ${desired.listenerArn}, its load balancer and target groups` : `the rules of the ${shards.length} load balancers' listeners and the target groups`,
      () => observer.loadBalancing(shards.map((s) => s.listenerArn), desired.owner),
    ),
    step('HTTP APIs', () => observer.httpApis(desired.owner, wantedApiNames, adoptable, deep.apis, deep.signal)),
  ]);
  // AWS counts rules and target groups per load balancer: two shards on one ALB would each
  // count the other's, and placement would promise room that is not there.
  const lbOf = new Map<string, string>();
  shards.forEach((shard, i) => {
    const lb = listeners[i]!.loadBalancer.arn;
    const other = lbOf.get(lb);
    if (other !== undefined) throw new RouteyardError('InvalidDesiredState', `spec.shared.loadBalancers: shards ${other} and ${shard.name} are listeners of the same load balancer (${lb}); each shard must be its own ALB`, { fault: 'user' });
    lbOf.set(lb, shard.name);
  });
  const [first, ...more] = listeners;
  // Target health only while a service's target group is being replaced; none in steady state.
  const needHealth = targetGroupsNeedingHealth(desired, targetGroups);
  if (needHealth.length > 0) {
    const health = await observer.targetHealth(needHealth);
    for (const g of targetGroups) {
      const h = health.get(g.arn);
      if (h) g.health = h;
    }
  }
  const naming = await step('custom domains, certificates and DNS', () => observeNaming(desired, observer, deep));
  const outputs = desired.outputsPrefix ? await observeOutputs(desired.outputsPrefix, desired.owner, observer) : undefined;
  return {
    listenerArn: first!.listenerArn,
    loadBalancer: first!.loadBalancer,
    ...(more.length > 0 ? { moreListeners: more } : {}),
    rules,
    targetGroups,
    apis,
    ...(naming ? { naming } : {}),
    ...(outputs ? { outputs } : {}),
  };
}

/**
 * The published outputs. A failure to read them marks the outputs alone (every service's
 * parameters are then an Error and nothing is written or deleted there), not the pass:
 * routing goes on while Parameter Store is unavailable.
 */
async function observeOutputs(prefix: string, owner: string, observer: Observer): Promise<ObservedOutputs> {
  const region = await observer.region();
  try {
    return { prefix, region, ...(await observer.outputs(prefix, owner)) };
  } catch (err) {
    return { prefix, region, parameters: [], error: describeError(err) };
  }
}

/**
 * Custom domains, certificates and the hosted zones, when the document has an api block:
 * custom domain names are listed (one call) so that a domain routeyard owns and the document
 * dropped is found; certificates and zones are read only when the document declares names.
 * Each zone is read once (paged), whatever the number of records wanted in it.
 */
async function observeNaming(desired: DesiredState, observer: Observer, deep: DeepReads): Promise<ObservedNaming | undefined> {
  const withDomain = desired.services.filter((s) => s.domain);
  const withPrivate = desired.services.filter((s) => s.privateDns);
  if (!desired.services.some((s) => s.api) && withPrivate.length === 0) return undefined;
  const wanted = new Set(withDomain.map((s) => s.domain!.name));
  const { domains, count } = await observer.customDomains(desired.owner, wanted, deep.mappings, deep.signal);
  const declared = withDomain.length > 0 || withPrivate.length > 0;
  const ownedDomains = domains.filter((d) => isOwnedBy(d.tags, desired.owner));
  const region = await observer.region();
  const account = accountOf(desired.listenerArn);
  // ACM is called only for this account and Region: the task role can read nothing else, and
  // an ARN from elsewhere is the document's error (planned per service), not an AWS failure.
  const here = (arn: string) => arn.split(':')[3] === region && (!account || arn.split(':')[4] === account);
  const arns = [
    ...withDomain.flatMap((s) => (s.domain!.certificate === 'auto' ? [] : [s.domain!.certificate.arn])),
    ...ownedDomains.flatMap((d) => (d.certificateArn ? [d.certificateArn] : [])),
  ].filter(here);
  // Certificates are read whenever the document has an api block: one this RouteSet requested
  // outlives its domain (API Gateway releases it minutes after the domain is deleted) and is
  // found by its tags, to be deleted on a later pass.
  const certificates = await observer.certificates([...wanted], [...new Set(arns)], desired.owner);
  if (!declared && ownedDomains.length === 0 && !certificates.some((c) => isOwnedBy(c.tags, desired.owner))) return undefined;
  const refs = new Map<string, boolean>();
  for (const s of withDomain) refs.set(`${s.domain!.hostedZone}\u0000public`, false);
  if (desired.privateHostedZone && withPrivate.length > 0) refs.set(`${desired.privateHostedZone}\u0000private`, true);
  const zones: ObservedNaming['zones'] = [];
  for (const [key, isPrivate] of refs) {
    const ref = key.split('\u0000')[0]!;
    try {
      zones.push({ ref, private: isPrivate, zone: await observer.zone(ref, isPrivate) });
    } catch (err) {
      // One unreadable zone marks only the services whose names live in it.
      zones.push({ ref, private: isPrivate, error: describeError(err) });
    }
  }
  return { certificates, domains, domainCount: count, zones, slots: observer.domainSlots(), region, ...(account ? { account } : {}), observedAt: new Date().toISOString() };
}

