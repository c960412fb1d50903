import type { DesiredState } from '../model/desired.ts';
import type { ObservedState } from '../model/observed.ts';
import { SERVICE_TAG, isOwnedBy } from '../model/tags.ts';
import type { ObservedIndex } from './observed-index.ts';
import type { Action, Ref, ResourceKind, ServicePlan } from './types.ts';

/** A read this pass could not make that a service's plan depends on. */
export interface FailedRead {
  kind: ResourceKind;
  id: string;
  message: string;
}

/**
 * The reads that failed this pass, by the service whose plan depends on them: an API's
 * integrations, routes and stages; a custom domain's API mappings; the hosted zone a
 * service's names live in. (A failure to list rules, target groups, APIs, domains or
 * certificates fails the whole pass before anything is planned.) Reads deferred by rolling
 * verification are not failures.
 */
export function failedReadsByService(desired: DesiredState, observed: ObservedState, idx: ObservedIndex): Map<string, FailedRead[]> {
  const failed = new Map<string, FailedRead[]>();
  const add = (service: string, read: FailedRead) => failed.set(service, [...(failed.get(service) ?? []), read]);
  for (const [service, apis] of idx.ownedApisByService) {
    for (const a of apis) {
      if (a.children && !a.children.readable && !a.children.deferred) add(service, { kind: 'httpApi', id: a.id, message: `cannot read the integrations, routes and stages of API ${a.id}: ${a.children.error}` });
    }
  }
  const naming = observed.naming;
  if (!naming) return failed;
  for (const d of naming.domains) {
    if (d.mappings.readable || d.mappings.deferred) continue;
    const wantedBy = desired.services.find((s) => s.domain?.name === d.name)?.name;
    const ownedBy = isOwnedBy(d.tags, desired.owner) ? d.tags[SERVICE_TAG] : undefined;
    for (const service of new Set([wantedBy, ownedBy].filter((x): x is string => !!x))) {
      add(service, { kind: 'apiMapping', id: d.name, message: `cannot read the API mappings of ${d.name}: ${d.mappings.error}` });
    }
  }
  const brokenZones = naming.zones.filter((z) => !z.zone);
  for (const z of brokenZones) {
    for (const s of desired.services) {
      const uses = (s.domain && s.domain.hostedZone === z.ref && !z.private) || (s.privateDns && desired.privateHostedZone === z.ref && z.private);
      if (uses) add(s.name, { kind: 'dnsRecord', id: z.ref, message: `cannot read the hosted zone ${z.ref}: ${z.error ?? 'not read'}` });
    }
  }
  if (brokenZones.length > 0) {
    // A service the document dropped may have records in the zone that could not be read:
    // its domains and certificates stay until its records can be seen.
    const declared = new Set(desired.services.map((s) => s.name));
    const gone = new Set<string>();
    for (const d of naming.domains) if (isOwnedBy(d.tags, desired.owner) && d.tags[SERVICE_TAG] && !declared.has(d.tags[SERVICE_TAG])) gone.add(d.tags[SERVICE_TAG]);
    for (const service of gone) add(service, { kind: 'dnsRecord', id: brokenZones.map((z) => z.ref).join(', '), message: `cannot read the hosted zone ${brokenZones.map((z) => z.ref).join(', ')}, where the service's records may be` });
  }
  return failed;
}

/**
 * No deletes on a partial view: a service with a failed read keeps everything this pass.
 * Its deletes and replacements are dropped, and so is any action that needs what a dropped
 * action would have made. The service reports an Error for each read that failed.
 */
export function holdDeletesOnPartialView(failed: Map<string, FailedRead[]>, services: ServicePlan[], actions: Action[]): Action[] {
  if (failed.size === 0) return actions;
  const dropped = new Set(actions.filter((a) => failed.has(a.service) && (a.op === 'delete' || a.op === 'replace')).map((a) => a.id));
  // Then whatever depends on a dropped action (a rule moving to a replacement's new group).
  for (let grew = true; grew; ) {
    grew = false;
    for (const a of actions) {
      if (dropped.has(a.id) || !refsOf(a).some((r) => 'fromAction' in r && dropped.has(r.fromAction))) continue;
      dropped.add(a.id);
      grew = true;
    }
  }
  for (const [service, reads] of failed) {
    const plan = services.find((s) => s.name === service);
    if (!plan) continue;
    for (const read of reads) {
      const message = `${read.message}; nothing of this service is deleted or replaced this pass`;
      const existing = plan.resources.find((r) => r.kind === read.kind && r.id === read.id && r.status === 'Error');
      if (existing) existing.message = `${existing.message ?? read.message}; nothing of this service is deleted or replaced this pass`;
      else plan.resources.push({ kind: read.kind, id: read.id, status: 'Error', diffs: [], message });
    }
    plan.status = 'Error';
  }
  return actions.filter((a) => !dropped.has(a.id));
}

function refsOf(a: Action): Ref[] {
  const p = a.payload as unknown as Record<string, unknown>;
  return ['apiId', 'targetGroupArn', 'standbyTargetGroupArn', 'integrationId'].flatMap((k) => {
    const v = p[k];
    return v && typeof v === 'object' && ('value' in v || 'fromAction' in v) ? [v as Ref] : [];
  });
}
