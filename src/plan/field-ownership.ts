import type { DesiredService } from '../model/desired.ts';
import type { Action, Diff, ResourceKind, ResourceState, ServicePlan } from './types.ts';

/**
 * Field-level ownership: fields of resources routeyard owns that another actor manages, as
 * Argo CD's `ignoreDifferences` and Kubernetes server-side apply's field managers do. The
 * planner neither reports nor repairs them: their diffs are dropped from resources and
 * actions, an action left with no diff is not planned, and a payload that must rewrite
 * the resource for another reason keeps the live value of such a field (the rule planner
 * asks `isManagedElsewhere` and writes the live weights, read again just before the call).
 *
 * A new hands-off field is one entry here: the kind, the diff path (or a prefix of it,
 * ending in "."), who manages it and when. Nothing in the planner's core changes.
 */
export interface FieldManager {
  /** Who owns the field, as reports and docs name it. */
  manager: string;
  kind: ResourceKind;
  /** Diff paths this manager owns: exact, or a prefix ending in ".". */
  paths: readonly string[];
  /** Whether the manager owns these fields of this service's resources. */
  appliesTo(svc: DesiredService): boolean;
  /** Why, for the docs. */
  why: string;
}

export const FIELD_MANAGERS: readonly FieldManager[] = [
  {
    manager: 'ECS',
    kind: 'listenerRule',
    paths: ['listenerRule.action.forward.weights'],
    appliesTo: (svc) => svc.deployment?.strategy === 'ecs',
    why:
      'ECS blue/green, linear and canary deployments shift traffic by rewriting the weights of the forward action between the two target groups, and roll back the same way; which group carries the traffic is ECS\'s to say',
  },
];

function matches(path: string, owned: string): boolean {
  return owned.endsWith('.') ? path.startsWith(owned) : path === owned || path.startsWith(`${owned}.`);
}

/** The manager of a field of this service's resource, if another actor owns it. */
export function managerOf(kind: ResourceKind, path: string, svc: DesiredService | undefined, managers: readonly FieldManager[] = FIELD_MANAGERS): string | undefined {
  if (!svc) return undefined;
  return managers.find((m) => m.kind === kind && m.appliesTo(svc) && m.paths.some((p) => matches(path, p)))?.manager;
}

export function isManagedElsewhere(kind: ResourceKind, path: string, svc: DesiredService | undefined, managers: readonly FieldManager[] = FIELD_MANAGERS): boolean {
  return managerOf(kind, path, svc, managers) !== undefined;
}

/**
 * Drop every diff another actor owns from a plan's services and actions. An action whose
 * diffs were all someone else's is removed; a resource left without diffs and without an
 * action is InSync (it was Drifted only in fields that are not routeyard's).
 */
export function withoutManagedFields(
  services: ServicePlan[],
  actions: Action[],
  desiredByName: ReadonlyMap<string, DesiredService>,
  managers: readonly FieldManager[] = FIELD_MANAGERS,
): { services: ServicePlan[]; actions: Action[] } {
  const keep = (kind: ResourceKind, svc: DesiredService | undefined) => (d: Diff) => !isManagedElsewhere(kind, d.path, svc, managers);
  const keptActions: Action[] = [];
  for (const a of actions) {
    const svc = desiredByName.get(a.service);
    const diffs = a.diffs.filter(keep(a.kind, svc));
    if (a.diffs.length > 0 && diffs.length === 0) continue;
    keptActions.push(diffs.length === a.diffs.length ? a : { ...a, diffs });
  }
  const acted = new Set(keptActions.map((a) => `${a.kind} ${a.resourceId}`));
  const outServices = services.map((s) => {
    const svc = desiredByName.get(s.name);
    let changed = false;
    const resources = s.resources.map((r): ResourceState => {
      const diffs = r.diffs.filter(keep(r.kind, svc));
      if (diffs.length === r.diffs.length) return r;
      changed = true;
      const status = r.status === 'Drifted' && diffs.length === 0 && !acted.has(`${r.kind} ${r.id}`) ? 'InSync' : r.status;
      return { ...r, diffs, status };
    });
    return changed ? { ...s, resources } : s;
  });
  return { services: outServices, actions: keptActions };
}
