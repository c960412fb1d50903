import type { CallStats } from '../aws/call-counter.ts';
import type { FieldError } from '../errors.ts';
import type { Action, Diff, Plan, ResourceState, ServicePlan, Status } from './types.ts';

/**
 * The report: a view of a plan (and, after apply, of what happened to each action).
 * It is a contract: `--output json` prints it, and the daemon's drift endpoint serves it.
 * Fields may be added; none are renamed.
 */
export type Mode = 'reconcile' | 'dry-run' | 'validate';
/**
 * `Pending`: everything that could be done was done, and what is left waits on something
 * outside routeyard (healthy targets in a replacement target group). Exit 0: the next pass,
 * or the daemon, finishes it.
 */
export type Outcome = 'InSync' | 'Converged' | 'Pending' | 'DriftFound' | 'Failed' | 'Refused' | 'Invalid' | 'Valid';

export interface ReportAction {
  op: Action['op'];
  kind: Action['kind'];
  service: string;
  id: string;
  reason: string;
  diffs: Diff[];
  result?: 'applied' | 'failed' | 'skipped' | 'planned';
  error?: string;
}

export interface Report {
  generatedAt: string;
  passId: string;
  mode: Mode;
  outcome: Outcome;
  source: { uri: string; version: string | null };
  summary: {
    services: number;
    inSync: number;
    drifted: number;
    missing: number;
    orphaned: number;
    pending: number;
    conflicts: number;
    errors: number;
    actions: number;
    applied: number;
    failed: number;
    skipped: number;
  };
  services: { name: string; status: Status; resources: ResourceState[] }[];
  actions: ReportAction[];
  error?: { code: string; message: string; fieldErrors: FieldError[] };
  stats: { durationMs: number; awsCalls: CallStats };
}

export interface ActionResultLike {
  actionId: string;
  outcome: 'applied' | 'failed' | 'skipped';
  error?: string;
}

export interface ReportInputs {
  passId: string;
  mode: Mode;
  generatedAt: string;
  source: { uri: string; version: string | null };
  plan?: Plan;
  results?: ActionResultLike[];
  error?: { code: string; message: string; fieldErrors: FieldError[] };
  /** Services in the document, for --validate (which plans nothing). */
  documentServices?: number;
  durationMs: number;
  awsCalls: CallStats;
}

export function buildReport(input: ReportInputs): Report {
  const plan = input.plan;
  const results = new Map((input.results ?? []).map((r) => [r.actionId, r]));
  const services = (plan?.services ?? []).map((s) => withApplyErrors(s, plan!.actions, results));
  const actions: ReportAction[] = (plan?.actions ?? []).map((a) => {
    const r = results.get(a.id);
    return {
      op: a.op,
      kind: a.kind,
      service: a.service,
      id: a.resourceId,
      reason: a.reason,
      diffs: a.diffs,
      result: r?.outcome ?? 'planned',
      ...(r?.error ? { error: r.error } : {}),
    };
  });
  const count = (st: Status) => services.filter((s) => s.status === st).length;
  const applied = actions.filter((a) => a.result === 'applied').length;
  const failed = actions.filter((a) => a.result === 'failed').length;
  const skipped = actions.filter((a) => a.result === 'skipped').length;
  const summary = {
    services: plan ? services.length : (input.documentServices ?? 0),
    inSync: count('InSync'),
    drifted: count('Drifted'),
    missing: count('Missing'),
    orphaned: count('Orphaned'),
    pending: count('Pending'),
    conflicts: count('Conflict'),
    errors: count('Error'),
    actions: actions.length,
    applied,
    failed,
    skipped,
  };
  return {
    generatedAt: input.generatedAt,
    passId: input.passId,
    mode: input.mode,
    outcome: outcomeOf(input, summary),
    source: input.source,
    summary,
    services,
    actions,
    ...(input.error ? { error: input.error } : {}),
    stats: { durationMs: input.durationMs, awsCalls: input.awsCalls },
  };
}

function outcomeOf(input: ReportInputs, s: Report['summary']): Outcome {
  if (input.error?.code === 'SafetyGuard') return 'Refused';
  if (input.error) return input.error.code === 'InvalidDesiredState' || input.error.code === 'UnresolvedReference' ? 'Invalid' : 'Failed';
  if (input.mode === 'validate') return 'Valid';
  if (s.failed > 0 || s.skipped > 0 || s.conflicts > 0 || s.errors > 0) return 'Failed';
  if (input.mode === 'dry-run' && s.actions > 0) return 'DriftFound';
  if (s.pending > 0) return 'Pending';
  if (s.actions === 0) return 'InSync';
  return input.mode === 'dry-run' ? 'DriftFound' : 'Converged';
}

/** A service whose action failed (or was skipped after a failure) is reported as Error. */
function withApplyErrors(s: ServicePlan, actions: Action[], results: Map<string, ActionResultLike>): ServicePlan {
  const failures = actions.filter((a) => a.service === s.name && results.get(a.id)?.outcome === 'failed');
  if (failures.length === 0) return s;
  const resources = s.resources.map((r) => {
    const f = failures.find((a) => a.kind === r.kind && (a.resourceId === r.id || r.id.startsWith(a.resourceId)));
    return f ? { ...r, status: 'Error' as const, message: results.get(f.id)?.error ?? 'failed' } : r;
  });
  return { ...s, status: 'Error', resources };
}

/** Exit codes a pipeline can act on (see README, "CLI"). */
export function exitCodeFor(report: Report): number {
  switch (report.outcome) {
    case 'InSync':
    case 'Converged':
    case 'Pending':
    case 'Valid':
      return 0;
    case 'DriftFound':
      return 2;
    case 'Invalid':
      return 3;
    case 'Refused':
      return 4;
    case 'Failed':
      return 1;
  }
}
