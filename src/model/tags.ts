/** Ownership tags routeyard writes on everything it creates, and reads to decide what it may touch. */
export const OWNER_TAG = 'routeyard:owner';
export const SERVICE_TAG = 'routeyard:service';
/**
 * What an owned resource is to its service, where a service has more than one of a kind:
 * target groups `primary` | `alternate`, listener rules `production` | `test` (ECS
 * deployments). Absent means primary / production: everything routeyard made before roles.
 */
export const ROLE_TAG = 'routeyard:role';
export type TargetGroupRole = 'primary' | 'alternate';
export type RuleRole = 'production' | 'test';

export type Tags = Record<string, string>;

export function ownershipTags(owner: string, service: string, role?: TargetGroupRole | RuleRole): Tags {
  return { [OWNER_TAG]: owner, [SERVICE_TAG]: service, ...(role ? { [ROLE_TAG]: role } : {}) };
}

/** A rule's role: test only when tagged so. */
export function ruleRole(tags: Tags | undefined): RuleRole {
  return tags?.[ROLE_TAG] === 'test' ? 'test' : 'production';
}

/** The RouteSet that owns a resource, if any routeyard RouteSet does. */
export function ownerOf(tags: Tags | undefined): string | undefined {
  return tags?.[OWNER_TAG];
}

export function isOwnedBy(tags: Tags | undefined, owner: string): boolean {
  return tags?.[OWNER_TAG] === owner;
}
