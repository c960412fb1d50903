import { createHash } from 'node:crypto';

/** routeyard creates target groups only with names that start with this. */
export const TARGET_GROUP_PREFIX = 'ry-';

/**
 * Target group names are unique per account and Region, at most 32 characters, and
 * immutable, as are port, protocol, target type and VPC. The name therefore carries a
 * hash of the owner, the service and those settings: changing one of them yields a new
 * name, so a replacement can be created beside the old group before the rule moves over.
 */
export function targetGroupName(
  owner: string,
  service: string,
  immutable: { port: number; protocol: string; targetType: string; vpcId: string },
  role: 'primary' | 'alternate' | 'moved' = 'primary',
): string {
  // The primary group's name is what it always was; the alternate (ECS deployments) differs by
  // its hash, and so does the twin a service moving to another load balancer gets while its
  // group of the usual name still serves on the old one (an ALB target group serves one ALB).
  const parts = [owner, service, immutable.port, immutable.protocol, immutable.targetType, immutable.vpcId, ...(role === 'primary' ? [] : [role])];
  const hash = createHash('sha256')
    .update(parts.join('\n'))
    .digest('hex')
    .slice(0, 8);
  const slug = service.slice(0, 32 - TARGET_GROUP_PREFIX.length - 1 - hash.length).replace(/-+$/, '');
  return `${TARGET_GROUP_PREFIX}${slug}-${hash}`;
}
