import type { FieldError } from '../errors.ts';
import type { CallStats, Mode, Outcome, Report, ReportAction, ServiceReport, Status } from '../model/report-contract.ts';
import { serviceStatus } from './planner.ts';
import type { Action, Plan, ServicePlan } from './types.ts';

/**
 * The report: a view of a plan (and, after apply, of what happened to each action).
 * Its shape is the contract in model/report-contract.ts: `--output json` prints it, and
 * the daemon's drift endpoint serves it.
 */
export type { Mode, Outcome, Report, ReportAction };

export interface ActionResultLike {
  actionId: string;
  outcome: 'applied' | 'failed' | 'skipped' | 'pending';
  /** The id a create produced (an ARN, an API id). */
  producedId?: string;
  error?: string;
}

/**
 * A service's outputs as they are after the pass: values known at plan time, ids the
 * pass's creates produced; "(created by this plan)" for a create not run (a dry run); a
 * key whose create did not succeed is left out.
 */
function reportedOutputs(outputs: NonNullable<ServicePlan['outputs']>, results: Map<string, ActionResultLike>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, ref] of Object.entries(outputs)) {
    if (!ref) continue;
    if ('value' in ref) {
      out[key] = ref.value;
      continue;
    }
    const r = results.get(ref.fromAction);
    if (!r) out[key] = '(created by this plan)';
    else if (r.outcome === 'applied' && r.producedId) out[key] = ref.template ? ref.template.replace('{id}', r.producedId) : r.producedId;
  }
  return out;
}

export interface ReportInputs {
  passId: string;
  mode: Mode;
  generatedAt: string;
  source: { uri: string; version: string | null };
  plan?: Plan;
  results?: ActionResultLike[];
  error?: { code: string; message: string; fieldErrors: FieldError[]; fault?: 'user' | 'aws' | 'tool' };
  /** Services in the document, for --validate (which plans nothing). */
  documentServices?: number;
  durationMs: number;
  awsCalls: CallStats;
}

export function buildReport(input: ReportInputs): Report {
  const plan = input.plan;
  const results = new Map((input.results ?? []).map((r) => [r.actionId, r]));
  // Every resource in a plan was read from AWS in this pass (a Missing one was read as absent).
  const verified = ({ outputs, ...s }: ServicePlan): ServiceReport => ({
    ...s,
    ...(outputs ? { outputs: reportedOutputs(outputs, results) } : {}),
    // ...except what rolling verification deferred: the daemon's memory knows when it was read.
    resources: s.resources.map((r) => ({ ...r, since: null, lastVerifiedAt: r.readThisPass === false ? null : input.generatedAt })),
    since: null,
    lastVerifiedAt: input.generatedAt,
  });
  const services = (plan?.services ?? []).map((s) => verified(withApplyErrors(s, plan!.actions, results)));
  const observedIds = new Set((plan?.observed ?? []).map((a) => a.id));
  const actions: ReportAction[] = [...(plan?.actions ?? []), ...(plan?.observed ?? [])].map((a) => {
    if (observedIds.has(a.id)) return { op: a.op, kind: a.kind, service: a.service, id: a.resourceId, reason: a.reason, diffs: a.diffs, result: 'observe' as const };
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
    ...(plan?.loadBalancers ? { loadBalancers: plan.loadBalancers } : {}),
    stats: { durationMs: input.durationMs, awsCalls: input.awsCalls, ...(input.plan?.ignoredRegistryEntries ? { ignoredRegistryEntries: input.plan.ignoredRegistryEntries } : {}) },
  };
}

/** The one-line record of a pass kept in the daemon's ring (and listed by the CLI for its one pass). */
export function passRecord(r: Report, trigger?: string) {
  return {
    passId: r.passId,
    at: r.generatedAt,
    mode: r.mode,
    outcome: r.outcome,
    durationMs: r.stats.durationMs,
    awsCalls: r.stats.awsCalls.total,
    mutatingCalls: r.stats.awsCalls.mutating,
    actionsApplied: r.summary.applied,
    ...(trigger ? { trigger } : {}),
  };
}

function outcomeOf(input: ReportInputs, s: Report['summary']): Outcome {
  if (input.error?.code === 'SafetyGuard') return 'Refused';
  if (input.error?.code === 'LeaseUnavailable') return 'NotLeader';
  if (input.error?.code === 'WaitTimedOut') return 'StillPending';
  if (input.error) return input.error.code === 'InvalidDesiredState' || input.error.code === 'UnresolvedReference' ? 'Invalid' : 'Failed';
  if (input.mode === 'validate') return 'Valid';
  if (s.failed > 0 || s.skipped > 0 || s.conflicts > 0 || s.errors > 0) return 'Failed';
  if (input.mode === 'dry-run' && s.actions > 0) return 'DriftFound';
  if (s.pending > 0) return 'Pending';
  // Services with manage: observe that differ: drift found and left as it is (whatever else was applied).
  if ((input.plan?.observed?.length ?? 0) > 0) return 'DriftFound';
  if (s.actions === 0) return 'InSync';
  return input.mode === 'dry-run' ? 'DriftFound' : 'Converged';
}

/** A service whose action failed (or was skipped after a failure) is reported as Error. */
function withApplyErrors(s: ServicePlan, actions: Action[], results: Map<string, ActionResultLike>): ServicePlan {
  const failures = actions.filter((a) => a.service === s.name && results.get(a.id)?.outcome === 'failed');
  const waits = actions.filter((a) => a.service === s.name && results.get(a.id)?.outcome === 'pending');
  if (failures.length === 0 && waits.length === 0) return s;
  const matching = (list: Action[], r: ServicePlan['resources'][number]) => list.find((a) => a.kind === r.kind && (a.resourceId === r.id || r.id.startsWith(a.resourceId)));
  const resources = s.resources.map((r) => {
    const f = matching(failures, r);
    if (f) return { ...r, status: 'Error' as const, message: results.get(f.id)?.error ?? 'failed' };
    const w = matching(waits, r);
    return w ? { ...r, status: 'Pending' as const, message: results.get(w.id)?.error ?? 'waiting' } : r;
  });
  return { ...s, status: failures.length > 0 ? 'Error' : serviceStatus(resources), resources };
}

/** Exit codes a pipeline can act on (docs/cli.md). */
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
    case 'NotLeader':
      return 5;
    case 'StillPending':
      return 6;
    case 'Failed':
      return 1;
  }
}
