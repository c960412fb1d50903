import { RouteyardError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';

export interface GuardSettings {
  /** Largest share (0..1) of owned resources one pass may delete; default 0.5. */
  maxDeleteShare: number;
  allowMassDelete: boolean;
}

export const DEFAULT_GUARDS: GuardSettings = { maxDeleteShare: 0.5, allowMassDelete: false };

/**
 * Refuse a plan that would delete more than the allowed share of what this RouteSet owns, in
 * all or of any one kind.
 * A truncated or wrong document is the usual cause, and deletes are the one thing a
 * reconciler cannot undo. Returns the refusal, or undefined when the plan may proceed.
 */
export function checkGuards(plan: Plan, settings: GuardSettings): RouteyardError | undefined {
  if (plan.deleteCount === 0 || settings.allowMassDelete) return undefined;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const over: string[] = [];
  const share = plan.deleteCount / Math.max(plan.ownedResourceCount, 1);
  if (share > settings.maxDeleteShare) over.push(`${plan.deleteCount} of ${plan.ownedResourceCount} owned resources (${pct(share)})`);
  // Each kind on its own too: dropping every custom domain is a small share of everything but
  // all of the names, and as likely a truncated document as a dropped service list.
  for (const [kind, n] of Object.entries(plan.deletesByKind)) {
    const owned = plan.ownedByKind[kind as keyof Plan['ownedByKind']] ?? 0;
    const kindShare = (n ?? 0) / Math.max(owned, 1);
    if (kindShare > settings.maxDeleteShare) over.push(`${n} of ${owned} owned ${KIND_NAMES[kind] ?? kind} (${pct(kindShare)})`);
  }
  if (over.length === 0) return undefined;
  return new RouteyardError(
    'SafetyGuard',
    `refused: this pass would delete ${over.join('; ')}, more than the allowed ${pct(settings.maxDeleteShare)}. Check the desired state; if the deletions are intended, run again with --allow-mass-delete.`,
    { fault: 'user' },
  );
}

const KIND_NAMES: Record<string, string> = {
  listenerRule: 'listener rules',
  targetGroup: 'target groups',
  httpApi: 'HTTP APIs',
  customDomain: 'custom domains',
  apiMapping: 'API mappings',
  certificate: 'certificates',
  dnsRecord: 'DNS records',
  parameter: 'published outputs (SSM parameters)',
};
