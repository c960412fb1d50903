import { randomUUID } from 'node:crypto';
import { withDeadline, withPriority, withSteadyState } from '../aws/api-scheduler.ts';
import type { DeepReadSelector } from '../model/observed.ts';
import type { CallCounter } from '../aws/call-counter.ts';
import { loadRouteSet, type LoadedRouteSet } from '../desired/load.ts';
import { resolveDesiredState } from '../desired/resolve.ts';
import type { SourceBackends } from '../desired/sources/index.ts';
import { RouteyardError, describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { plan as makePlan } from '../plan/planner.ts';
import { buildReport, passRecord, type Mode, type Report } from '../plan/report.ts';
import type { Plan } from '../plan/types.ts';
import { applyPlan, type ActionResult } from './apply.ts';
import { checkGuards, type GuardSettings } from './guards.ts';
import { observeLiveState } from './observe.ts';
import type { Mutations, Observer } from './ports.ts';

export interface PassDependencies {
  sources: SourceBackends;
  observer: Observer;
  mutations: Mutations;
  counter: CallCounter;
  log: Logger;
  now?: () => Date;
}

export interface PassOptions {
  sourceUri: string;
  mode: Mode;
  guards: GuardSettings;
  ruleQuota?: number;
  /**
   * A document already loaded (the daemon's last known good while its source is broken, or
   * one it has just read); when absent the pass reads and validates `sourceUri` itself.
   */
  document?: LoadedRouteSet;
  /** Called before each batch of mutating calls; throws to stop writing (lease, shutdown). */
  beforeBatch?: () => Promise<void>;
  /** Services whose actions are held back this pass, with why (the daemon's back-off). */
  hold?: ReadonlyMap<string, string>;
  /** false when the caller reset the call counter itself (its own source read belongs to this pass). */
  resetCounter?: boolean;
  /**
   * Which APIs' children to read this pass (the controller's rolling verification); absent:
   * all of them (the one-shot run verifies everything).
   */
  deepReads?: DeepReadSelector;
  /** Likewise for owned custom domains' API mappings. */
  mappingReads?: DeepReadSelector;
  /** Aborting it cancels this pass's background reads still waiting (a hint or a document change is waiting). */
  backgroundSignal?: AbortSignal;
  /**
   * Aborting it while the pass is still reading (before its plan is computed) abandons the
   * pass: its AWS calls end at once and runPass rejects with PassPreempted; nothing was
   * written. Once the plan is computed it has no effect. The controller preempts a scheduled
   * pass this way when a hint or a document change is waiting.
   */
  preempt?: AbortSignal;
  /**
   * A steady-state pass (the controller's scheduled one): its reads at check priority (the
   * listings) also draw from each service's background share, so listings and background
   * verification together stay within --verify-budget.
   */
  steady?: boolean;
  /**
   * The pass's deadline (--pass-timeout): past it every AWS call of the pass ends at once,
   * no further write starts, and the pass is reported as abandoned (PassTimedOut).
   */
  timeoutMs?: number;
}

/** A pass given up while reading because something more urgent was waiting (PassOptions.preempt). Not a failure: nothing was written. */
export class PassPreempted extends Error {
  constructor() {
    super('the pass was abandoned while reading: a more urgent pass is waiting');
    this.name = 'PassPreempted';
  }
}

/** The default --pass-timeout: a pass of 1,000 services at API Gateway's pace takes well under it. */
export const DEFAULT_PASS_TIMEOUT_MS = 5 * 60_000;

/**
 * One reconciliation pass: load -> observe -> plan -> (guard) -> apply -> report.
 *
 * Contract (the same for the CLI, the daemon and the drift endpoint):
 * - Level-based and idempotent: each pass plans from the whole live state; running it
 *   again after success plans nothing.
 * - Nothing is written unless the document was read, validated and resolved, the live
 *   state was read completely, and the safety guards passed.
 * - Errors are values in the report (`error`, per-service `Error` statuses); the caller
 *   decides what they mean (exit code, retry on the next tick). Only programming errors throw,
 *   and PassPreempted (the caller asked for it with `preempt`; nothing was written).
 */
export async function runPass(opts: PassOptions, deps: PassDependencies): Promise<Report> {
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const passId = randomUUID();
  const log = deps.log.child({ passId });
  if (opts.resetCounter !== false) deps.counter.reset();
  let source: { uri: string; version: string | null } = { uri: opts.sourceUri, version: null };
  let plan: Plan | undefined;
  let results: ActionResult[] | undefined;

  let documentServices: number | undefined;
  // The first report stands: a pass abandoned at its deadline is not reported again when its
  // remains unwind.
  let finished: Report | undefined;
  const finish = (extra: { error?: RouteyardError } = {}): Report => {
    if (finished) return finished;
    const report = buildReport({
      passId,
      mode: opts.mode,
      generatedAt: now().toISOString(),
      source,
      ...(plan ? { plan } : {}),
      ...(results ? { results } : {}),
      ...(extra.error ? { error: { code: extra.error.code, message: extra.error.message, fieldErrors: extra.error.fieldErrors, fault: extra.error.fault } } : {}),
      ...(documentServices !== undefined ? { documentServices } : {}),
      durationMs: Math.round(performance.now() - started),
      awsCalls: deps.counter.snapshot(),
    });
    report.recentPasses = [passRecord(report, 'once')];
    finished = report;
    log.info({ outcome: report.outcome, summary: report.summary, awsCalls: report.stats.awsCalls.total, mutating: report.stats.awsCalls.mutating }, 'pass finished');
    return report;
  };

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs ?? DEFAULT_PASS_TIMEOUT_MS);
  timer.unref();
  const timedOut = new Promise<Report>((resolve) => {
    deadline.signal.addEventListener('abort', () => {
      const error = new RouteyardError(
        'PassTimedOut',
        `the pass did not finish within ${Math.round((opts.timeoutMs ?? DEFAULT_PASS_TIMEOUT_MS) / 1000)} s (--pass-timeout) and was abandoned: its AWS calls were cut off and no further write was started; a write in flight may still land, and the next pass re-reads everything`,
        { fault: 'aws' },
      );
      log.error({ code: error.code }, 'pass abandoned at its deadline');
      // What the pass applied before the deadline is unknown to the report: it shows the plan only.
      results = undefined;
      resolve(finish({ error }));
    });
  });
  const beforeBatch = async () => {
    if (deadline.signal.aborted) throw new RouteyardError('PassTimedOut', 'the pass deadline passed: no further write is started');
    await opts.beforeBatch?.();
  };
  try {
    return await Promise.race([withDeadline(deadline.signal, () => passBody()), timedOut]);
  } finally {
    clearTimeout(timer);
  }

  async function passBody(): Promise<Report> {
    try {
      const loaded: LoadedRouteSet =
        opts.document ?? (await loadRouteSet(opts.sourceUri, deps.sources, { ...(opts.ruleQuota !== undefined ? { ruleQuota: opts.ruleQuota } : {}) }));
      source = loaded.source;
      documentServices = loaded.doc.spec.services.length;
      log.info({ source }, 'desired state loaded');
      if (opts.mode === 'validate') return finish();

      const read = async () => (opts.steady ? withSteadyState(readAll) : readAll());
      const readAll = async () => {
        const desired = await resolveDesiredState(loaded.doc, deps.sources.parameters, opts.ruleQuota);
        const observed = await observeLiveState(desired, deps.observer, {
          ...(opts.deepReads ? { apis: opts.deepReads } : {}),
          ...(opts.mappingReads ? { mappings: opts.mappingReads } : {}),
          ...(opts.backgroundSignal ? { signal: opts.backgroundSignal } : {}),
        });
        return { desired, observed };
      };
      const preempt = opts.preempt;
      if (preempt?.aborted) throw new PassPreempted();
      // While reading, preemption ends every call of the pass at once, as its deadline does.
      const { desired, observed } = preempt
        ? await withDeadline(AbortSignal.any([deadline.signal, preempt]), read).catch((err: unknown) => {
            throw preempt.aborted ? new PassPreempted() : err;
          })
        : await read();
      if (preempt?.aborted) throw new PassPreempted();
      plan = makePlan(desired, observed);
      log.info({ actions: plan.actions.length }, 'plan computed');

      const refusal = checkGuards(plan, opts.guards);
      if (refusal) {
        log.warn({ err: refusal.message }, 'pass refused by safety guard');
        return finish({ error: refusal });
      }
      if (opts.mode === 'reconcile' && plan.actions.length > 0) {
        // Changes go first in every service's call budget.
        const actions = plan.actions;
        results = await withPriority('apply', () =>
          applyPlan(actions, deps.mutations, log, {
            beforeBatch,
            ...(opts.hold ? { hold: opts.hold } : {}),
          }),
        );
      }
      return finish();
    } catch (err) {
      if (err instanceof PassPreempted) {
        log.info('pass preempted while reading: a more urgent pass follows');
        throw err;
      }
      const error = err instanceof RouteyardError ? err : new RouteyardError('Internal', describeError(err), { cause: err });
      log.error({ code: error.code, err: error.message }, 'pass failed');
      return finish({ error });
    }
  }
}
