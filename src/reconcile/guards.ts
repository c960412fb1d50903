import { RouteyardError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';

export interface GuardSettings {
  /** Largest share (0..1) of owned resources one pass may delete; default 0.5. */
  maxDeleteShare: number;
  allowMassDelete: boolean;
}

export const DEFAULT_GUARDS: GuardSettings = { maxDeleteShare: 0.5, allowMassDelete: false };

/**
 * Refuse a plan that would delete more than the allowed share of what this RouteSet owns.
 * A truncated or wrong document is the usual cause, and deletes are the one thing a
 * reconciler cannot undo. Returns the refusal, or undefined when the plan may proceed.
 */
export function checkGuards(plan: Plan, settings: GuardSettings): RouteyardError | undefined {
  if (plan.deleteCount === 0 || settings.allowMassDelete) return undefined;
  const share = plan.deleteCount / Math.max(plan.ownedResourceCount, 1);
  if (share <= settings.maxDeleteShare) return undefined;
  return new RouteyardError(
    'SafetyGuard',
    `refused: this pass would delete ${plan.deleteCount} of ${plan.ownedResourceCount} owned resources (${Math.round(share * 100)}%), more than the allowed ${Math.round(
      settings.maxDeleteShare * 100,
    )}%. Check the desired state; if the deletions are intended, run again with --allow-mass-delete.`,
    { fault: 'user' },
  );
}
