/** Ownership tags routeyard writes on everything it creates, and reads to decide what it may touch. */
export const OWNER_TAG = 'routeyard:owner';
export const SERVICE_TAG = 'routeyard:service';

export type Tags = Record<string, string>;

export function ownershipTags(owner: string, service: string): Tags {
  return { [OWNER_TAG]: owner, [SERVICE_TAG]: service };
}

/** The RouteSet that owns a resource, if any routeyard RouteSet does. */
export function ownerOf(tags: Tags | undefined): string | undefined {
  return tags?.[OWNER_TAG];
}

export function isOwnedBy(tags: Tags | undefined, owner: string): boolean {
  return tags?.[OWNER_TAG] === owner;
}
