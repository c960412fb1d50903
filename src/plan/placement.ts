import { excerpt } from '../desired/excerpt.ts';
import { shardsOf, type DesiredService, type DesiredState } from '../model/desired.ts';
import { listenersOf, type ObservedListener, type ObservedState } from '../model/observed.ts';
import type { ObservedIndex } from './observed-index.ts';

/**
 * Where each service's rules and target groups live: a shard is one listener on its own ALB
 * (spec.shared.loadBalancers). AWS counts 100 target groups (not adjustable) and, by
 * default, 100 rules per load balancer, so one ALB holds about 98 services.
 *
 * Placement is stable and observed, not remembered: a service stays on the shard where its
 * rules are. A new service goes to the shard with the most room under both quotas (every
 * listener of the ALB counted, foreign rules too); `services[].loadBalancer` pins it. Adding
 * or removing services never moves another one. A service moves only when its pin names
 * another shard, or when its shard left the document (a departed listener, still read).
 */
export interface Shard {
  /** The shard's name in the document; a departed listener by its ALB's name, "(not listed)". */
  name: string;
  listenerArn: string;
  loadBalancerArn: string;
  albDnsName?: string;
  albHostedZoneId?: string;
  ruleQuota: number;
  /** No longer in the document: what lives there moves away. */
  departed: boolean;
  /**
   * The document's albDnsName or albHostedZoneId is not its listener's load balancer's (as
   * read this pass): its services' private aliases are an Error with this message, never
   * written to point elsewhere.
   */
  aliasError?: string;
  observed: ObservedListener;
}

export interface Placement {
  /** Where the service's rules and groups are planned. */
  on: Shard;
  /** Where it lives now, while it moves to `on`. */
  from?: Shard;
  /** Why it moves (for the report). */
  why?: string;
  /**
   * The service cannot be placed or moved as asked: it stays on `on` (converged there) and
   * the message is reported as an Error.
   */
  error?: string;
  /** A new service no load balancer has room for: nothing of it is planned (`on` is nominal). */
  unplaced?: true;
  /**
   * Its rule is gone and where its traffic enters was not read this pass (its API's
   * integrations deferred by rolling verification): nothing of it is planned until it is, so
   * a rule deleted out of band is made again where the service lives, never elsewhere.
   */
  unknown?: true;
}

/** The shards of the document (in order) and the departed listeners read this pass. */
export function shardsOfPass(desired: DesiredState, observed: ObservedState): Shard[] {
  const listeners = listenersOf(observed);
  const byArn = new Map(listeners.map((l) => [l.listenerArn, l]));
  const shards: Shard[] = [];
  for (const [i, s] of shardsOf(desired).entries()) {
    // The observer returns the shards' listeners in document order, the first as ObservedState.listenerArn.
    const l = byArn.get(s.listenerArn) ?? (i === 0 ? listeners[0] : undefined);
    if (!l) continue; // not read (a test's partial snapshot): nothing is placed there
    const field = desired.loadBalancers ? `spec.shared.loadBalancers[${i}]` : 'spec.shared';
    const aliasError = aliasTargetMismatch(field, s, l.loadBalancer);
    shards.push({
      name: s.name,
      listenerArn: l.listenerArn,
      loadBalancerArn: l.loadBalancer.arn,
      ...(s.albDnsName ? { albDnsName: s.albDnsName } : {}),
      ...(s.albHostedZoneId ? { albHostedZoneId: s.albHostedZoneId } : {}),
      ruleQuota: s.ruleQuota,
      departed: false,
      observed: l,
      ...(aliasError ? { aliasError } : {}),
    });
  }
  const named = new Set(shards.map((s) => s.listenerArn));
  for (const l of listeners) {
    if (named.has(l.listenerArn)) continue;
    // Named by the ALB's name (loadbalancer/app/NAME/ID): short enough for every message.
    const lbName = /loadbalancer\/[^/]+\/([^/]+)\//.exec(l.loadBalancer.arn)?.[1] ?? l.listenerArn;
    shards.push({ name: `${lbName} (not listed)`, listenerArn: l.listenerArn, loadBalancerArn: l.loadBalancer.arn, ruleQuota: Number.POSITIVE_INFINITY, departed: true, observed: l });
  }
  return shards;
}

/**
 * Whether the document's alias target for a shard names its listener's load balancer. Route 53
 * takes an ALB's name with or without the `dualstack.` prefix, in any case, with or without
 * the final dot; the hosted zone id is compared exactly (as the record is). Unread (undefined) is no
 * mismatch: the check waits for a pass that read it.
 */
export function aliasTargetMismatch(
  field: string,
  shard: { albDnsName?: string; albHostedZoneId?: string },
  lb: { arn: string; dnsName?: string; canonicalHostedZoneId?: string },
): string | undefined {
  const norm = (n: string) => n.toLowerCase().replace(/\.$/, '').replace(/^dualstack\./, '');
  // Values from the account or the document are quoted at most a DNS name's length (253) each:
  // a hostile or broken one never makes a megabyte message.
  const q = (v: string) => excerpt(v, 253);
  const what = (value: string) => `the private alias would send the service's traffic to another load balancer; set it to ${q(value)} (load balancer ${q(lb.arn)})`;
  if (shard.albDnsName && lb.dnsName && norm(shard.albDnsName) !== norm(lb.dnsName)) {
    return `${field}.albDnsName ${q(shard.albDnsName)} is not the DNS name of its listener's load balancer (${q(lb.dnsName)}): ${what(lb.dnsName)}`;
  }
  // Compared exactly, as the record itself is: Route 53's zone ids are upper case.
  if (shard.albHostedZoneId && lb.canonicalHostedZoneId && shard.albHostedZoneId !== lb.canonicalHostedZoneId) {
    return `${field}.albHostedZoneId ${q(shard.albHostedZoneId)} is not the canonical hosted zone of its listener's load balancer (${q(lb.canonicalHostedZoneId)}): ${what(lb.canonicalHostedZoneId)}`;
  }
  return undefined;
}

/** What a service needs on a shard where it has nothing yet. */
function needs(desired: DesiredState, svc: DesiredService, idx: ObservedIndex, shard: Shard): { rules: number; groups: number } {
  const rules = 1 + Number(Boolean(svc.deployment?.testTraffic));
  if (svc.targetGroup.kind === 'existing') {
    const attached = idx.targetGroupsByArn.get(svc.targetGroup.arn)?.loadBalancerArns ?? [];
    return { rules, groups: attached.includes(shard.loadBalancerArn) ? 0 : 1 };
  }
  return { rules, groups: svc.targetGroup.alternateName ? 2 : 1 };
}

/**
 * `integration`: the listener a service's HTTP API integration points at now, when known this
 * pass. It decides where a service found on two shards (a move half done, then its pin
 * removed) lives, and where one whose rule was deleted out of band lives: where its traffic goes.
 */
export function placeServices(
  desired: DesiredState,
  shards: readonly Shard[],
  idx: ObservedIndex,
  integration: (svc: DesiredService) => { known: true; listener?: string } | { known: false },
  ruleListener: (r: { listenerArn?: string }) => string,
): Map<string, Placement> {
  const out = new Map<string, Placement>();
  const live = shards.filter((s) => !s.departed);
  const byListener = new Map(shards.map((s) => [s.listenerArn, s]));
  const byLb = new Map(shards.map((s) => [s.loadBalancerArn, s]));
  const byName = new Map(live.map((s) => [s.name, s]));
  const room = new Map(live.map((s) => [s.name, { groups: desired.targetGroupQuota - s.observed.loadBalancer.attachedTargetGroupArns.length, rules: s.ruleQuota - s.observed.loadBalancer.ruleCount }]));
  const fits = (shard: Shard, n: { rules: number; groups: number }) => {
    const r = room.get(shard.name)!;
    return r.rules >= n.rules && r.groups >= n.groups;
  };
  const take = (shard: Shard, n: { rules: number; groups: number }) => {
    const r = room.get(shard.name)!;
    r.rules -= n.rules;
    r.groups -= n.groups;
  };
  const mostRoom = (svc: DesiredService): Shard | undefined => {
    let best: Shard | undefined;
    let bestRoom = -Infinity;
    for (const s of live) {
      const n = needs(desired, svc, idx, s);
      if (!fits(s, n)) continue;
      const r = room.get(s.name)!;
      const free = Math.min(r.rules, r.groups);
      if (free > bestRoom) {
        best = s;
        bestRoom = free;
      }
    }
    return best;
  };
  const full = (svc: DesiredService) => {
    const n = needs(desired, svc, idx, live[0]!);
    return `no load balancer has room for it (it needs ${n.rules} rule${n.rules === 1 ? '' : 's'} and ${n.groups} target group${n.groups === 1 ? '' : 's'}; ${live.map((s) => `${s.name}: ${Math.max(0, room.get(s.name)!.rules)} rules, ${Math.max(0, room.get(s.name)!.groups)} target groups free`).join('; ')}): add a load balancer to spec.shared.loadBalancers`;
  };

  // Services already placed keep their place before any new one is given room.
  const ordered = [...desired.services].sort((a, b) => a.name.localeCompare(b.name));
  const pending: DesiredService[] = [];
  for (const svc of ordered) {
    const integ = integration(svc);
    const target = integ.known ? integ.listener : undefined;
    let on = [...new Set((idx.ownedRulesByService.get(svc.name) ?? []).map((r) => ruleListener(r)))].map((l) => byListener.get(l)).filter((s): s is Shard => !!s);
    if (on.length === 0) {
      // No rule (deleted out of band, or a create that failed): the service still lives where
      // its traffic enters, or where its groups are attached; it is new only when neither says.
      const entered = target !== undefined ? byListener.get(target) : undefined;
      const attached = (idx.ownedTargetGroupsByService.get(svc.name) ?? []).flatMap((g) => g.loadBalancerArns ?? []).map((lb) => byLb.get(lb)).find((x) => !!x);
      const home = entered ?? attached;
      if (home) on = [home];
      else if (!integ.known && shards.length > 1) {
        // (With one load balancer there is nowhere else it could be.)
        out.set(svc.name, { on: live[0]!, unknown: true });
        continue;
      }
    }
    const pin = svc.loadBalancer !== undefined ? byName.get(svc.loadBalancer) : undefined;
    if (svc.targetGroup.kind === 'existing') {
      // A referenced group serves one ALB: the service lives where the group is attached.
      const attached = (idx.targetGroupsByArn.get(svc.targetGroup.arn)?.loadBalancerArns ?? []).map((lb) => byLb.get(lb)).find((s) => !!s);
      const where = attached ?? on[0];
      if (where) {
        const wrong = (pin && pin !== where) || where.departed;
        out.set(svc.name, {
          on: where,
          ...(wrong ? { error: `the referenced target group ${svc.targetGroup.arn} is attached to ${where.departed ? `a load balancer no longer in spec.shared.loadBalancers (${where.loadBalancerArn})` : `load balancer ${where.name}`}; a target group serves one ALB, so routeyard cannot move it: reference a group on ${pin?.name ?? 'a listed load balancer'}${pin ? ', or remove the pin' : ''}` } : {}),
        });
        continue;
      }
    }
    if (on.length === 0) {
      pending.push(svc);
      continue;
    }
    // Found on several shards (a move half done): where its traffic goes, else the first listed.
    const current = on.find((s) => s.listenerArn === target) ?? on.find((s) => !s.departed) ?? on[0]!;
    const ecs = Boolean(svc.targetGroup.kind === 'managed' && svc.targetGroup.alternateName);
    if (pin && pin !== current) {
      if (ecs) {
        out.set(svc.name, { on: current, error: `pinned to ${pin.name} but it lives on ${current.name}, and it uses ECS deployments: moving both target groups under a running deployment is not safe. Remove "deployment", let it move, then declare "deployment" again; or pin it to ${current.name}` });
        continue;
      }
      const n = on.includes(pin) ? { rules: 0, groups: 0 } : needs(desired, svc, idx, pin);
      if (!fits(pin, n)) {
        out.set(svc.name, { on: current, error: `pinned to ${pin.name}, which has no room for it: it stays on ${current.name}` });
        continue;
      }
      take(pin, n);
      out.set(svc.name, { on: pin, from: current, why: `pinned to ${pin.name} (spec.services[].loadBalancer)` });
      continue;
    }
    if (current.departed) {
      pending.push(svc);
      continue;
    }
    out.set(svc.name, { on: current });
  }
  // New services, and those whose shard left the document: the pin, else the most room.
  for (const svc of pending) {
    const from = [...new Set((idx.ownedRulesByService.get(svc.name) ?? []).map((r) => ruleListener(r)))].map((l) => byListener.get(l)).find((s) => s?.departed);
    const ecs = Boolean(svc.targetGroup.kind === 'managed' && svc.targetGroup.alternateName);
    if (from && ecs) {
      out.set(svc.name, { on: from, error: `its load balancer (${from.loadBalancerArn}) is no longer in spec.shared.loadBalancers, and it uses ECS deployments: moving both target groups under a running deployment is not safe. Remove "deployment" to let it move, or list the load balancer again` });
      continue;
    }
    const pin = svc.loadBalancer !== undefined ? byName.get(svc.loadBalancer) : undefined;
    // One load balancer: the service goes there; the planner's quota check says what does not fit, as it always has.
    const target = pin ?? mostRoom(svc) ?? (live.length === 1 && !from ? live[0] : undefined);
    if (!target) {
      out.set(svc.name, from ? { on: from, error: `its load balancer is no longer in spec.shared.loadBalancers and ${full(svc)}` } : { on: live[0]!, error: full(svc), unplaced: true });
      continue;
    }
    const n = needs(desired, svc, idx, target);
    if (pin && !fits(pin, n) && live.length > 1) {
      out.set(svc.name, from ? { on: from, error: `pinned to ${pin.name}, which has no room for it` } : { on: pin, error: `pinned to ${pin.name}, which has no room for it (${Math.max(0, room.get(pin.name)!.rules)} rules, ${Math.max(0, room.get(pin.name)!.groups)} target groups free): pin it to another load balancer, or add one to spec.shared.loadBalancers`, unplaced: true });
      continue;
    }
    take(target, n);
    out.set(svc.name, from ? { on: target, from, why: `its load balancer ${from.loadBalancerArn} is no longer in spec.shared.loadBalancers` } : { on: target });
  }
  return out;
}
