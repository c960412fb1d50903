import type { Server } from 'node:http';
import { loadRouteSet, type LoadedRouteSet } from '../desired/load.ts';
import { readSourceVersion, type SourceBackends } from '../desired/sources/index.ts';
import { RouteyardError, describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DriftResponse, ErrorReport, LeaseState, Report, ResourceKind } from '../model/report-contract.ts';
import type { Observer } from '../reconcile/ports.ts';
import type { GuardSettings } from '../reconcile/guards.ts';
import type { LeaseManager } from '../reconcile/lease.ts';
import { withDeadline } from '../aws/api-scheduler.ts';
import { DEFAULT_PASS_TIMEOUT_MS, PassPreempted, runPass, type PassDependencies } from '../reconcile/pass.ts';
import { CertificateCache } from '../reconcile/certificate-cache.ts';
import { ListingReuse, type ReusableRead } from '../reconcile/listing-reuse.ts';
import { isMutatingOperation } from '../aws/call-counter.ts';
import type { ControllerMetrics } from '../report/metrics.ts';
import { createControllerServer, listen } from './http-server.ts';
import { ControllerMemory, type BackoffPolicy } from './memory.ts';
import { ApiBudget, RollingVerifier, type Urgent, type VerificationStatus } from '../reconcile/rolling-verification.ts';
import type { MappedEvent } from '../hints/cloudtrail-event.ts';
import type { Notifier } from './notifier.ts';
import { SpacedTrigger } from './spaced-trigger.ts';

export interface DaemonOptions {
  sourceUri: string;
  intervalMs: number;
  sourcePollMs: number;
  port: number;
  host?: string;
  guards: GuardSettings;
  ruleQuota?: number;
  backoff?: BackoffPolicy;
  /** Share of the interval a pass may start early or late, so many copies do not beat in step. */
  jitter?: number;
  /**
   * Rolling deep verification: every API's children read at least once per `windowMs`,
   * background reads within `budgetRps`. Absent: every pass reads everything.
   */
  verification?: { windowMs: number; budgetRps: number };
  /** Event hints are on (--events-queue): rolling drift counts as a gap in the event path. */
  eventHints?: boolean;
  /** Each pass's deadline (--pass-timeout). */
  passTimeoutMs?: number;
  /** Least time between two passes that event hints start (a burst of events is one pass). */
  hintSpacingMs?: number;
}

export interface DaemonDependencies {
  /** The pass's clients, with the call counter each report's stats come from. */
  pass: PassDependencies;
  /** Separate clients for the cheap source-version checks, so they never count into a pass. */
  pollSources: SourceBackends;
  lease?: LeaseManager;
  /** --notify-webhook: status changes as messages. */
  notifier?: Notifier;
  metrics: ControllerMetrics;
  log: Logger;
}

/** After a pass that changed something, the next one comes this soon to verify it. */
const VERIFY_AFTER_CHANGE_MS = 2_000;
/** While something is Pending, the next pass comes this soon (at most). */
const PENDING_RECHECK_MS = 15_000;

/** Hint-triggered passes start at most this often by default. */
const HINT_SPACING_MS = 2_000;

/** Triggers that should not wait behind a pass's background verification. */
const URGENT_TRIGGERS = new Set(['source-change', 'hint', 'lease-acquired']);
/** Passes an urgent trigger abandons while they are still reading (the urgent pass reads as much, sooner). */
const PREEMPTABLE_TRIGGERS = new Set(['interval', 'verify', 'pending']);
/** Writes after which certificates are read again. */
const CERTIFICATE_WRITES = /^(ACM\.(?!Describe|Get|List)|APIGateway\.(Create|Update|Delete)DomainName$|Route53\.Change)/;
/** Whose reads a write to each service makes stale. */
const WRITES_STALE: Record<string, ReusableRead> = { ELBv2: 'loadBalancing', Route53: 'zone', SSM: 'outputs' };
/** The resource kinds each reusable read observes (reported as not read this pass when reused). */
const REUSED_KINDS: Record<ReusableRead, ResourceKind[]> = { loadBalancing: ['listenerRule', 'targetGroup'], zone: ['dnsRecord'], outputs: ['parameter'] };
/** The deep reads of rolling verification; every other API Gateway read of a scheduled pass is a listing. */
const DEEP_READS = new Set(['GetIntegrations', 'GetRoutes', 'GetStages', 'GetApiMappings']);

/** Pass errors that are no sign of a stuck copy: the document, the guard, the lease, a shutdown. */
const NOT_STUCK_ERRORS = new Set(['InvalidDesiredState', 'UnresolvedReference', 'SafetyGuard', 'LeaseLost', 'ShuttingDown']);

/** Source errors that mean "the document is broken", as opposed to AWS being unreachable. */
const SOURCE_ERRORS = new Set(['SourceUnreadable', 'InvalidDesiredState', 'UnresolvedReference']);

/**
 * The controller: the same pass as --reconcile-once (load, observe, plan, apply, report),
 * on a schedule. A full pass every interval (with jitter), plus a cheap check of the
 * source's version every --source-poll that starts a pass as soon as the document changes.
 * Never two passes at once: a request during a pass queues exactly one more.
 *
 * Writes only while this copy leads (the lease) and the source is sound. With a broken
 * source it keeps the last valid document, observes and reports drift against it, and
 * applies nothing (an operator may be mid-edit). The HTTP server only reads.
 */
export class Controller {
  private readonly opts: DaemonOptions;
  private readonly deps: DaemonDependencies;
  private readonly memory: ControllerMemory;
  private readonly log: Logger;
  private latest: Report | undefined;
  private lastGood: LoadedRouteSet | undefined;
  private sourceError: ErrorReport | undefined;
  private running: Promise<void> | undefined;
  private queued: string | undefined;
  private stopping = false;
  private nextPass: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polledVersion: string | undefined;
  private server: Server | undefined;
  private readonly verifier: RollingVerifier | undefined;
  /** Owned custom domains' API mappings (one call each), verified in turn likewise. */
  private readonly mappingVerifier: RollingVerifier | undefined;
  /** Each service's spec as last planned, to tell which ones a document change touched. */
  private plannedSpecs = new Map<string, string>();
  private plannedShared: string | undefined;
  private warnedBudget = false;
  /** Cancels the running pass's background reads when something more urgent is waiting. */
  private backgroundAbort: AbortController | undefined;
  /** Abandons the running scheduled pass while it is still reading, when something more urgent is waiting. */
  private preemptAbort: AbortController | undefined;
  /** The verify budget for the whole steady-state API Gateway cost: listings first, deep reads the rest. */
  private readonly budget: ApiBudget | undefined;
  /** Scheduled passes are spaced out beyond --interval (said once in the log, and when it ends). */
  private spacedLogged = false;
  /** ACM kept off the per-pass path while nothing changed. */
  private readonly certificates: CertificateCache | undefined;
  /** A hint pass reuses the recent listings the hint does not concern (ELBv2, Route 53, SSM outputs). */
  private readonly listings = new ListingReuse();
  /** Reads the waiting hints concern (those a hint pass reads fresh). */
  private hintedReads = new Set<ReusableRead>();
  /** Services event hints named, waiting for the next pass. */
  private hinted = new Set<string>();
  private hintedApiIds = new Set<string>();
  /** When a hint last named each service (drift found later is the event's). */
  private readonly hintedAt = new Map<string, number>();
  /** Services whose spec the last pass's document changed (their actions are not drift). */
  private docChanged = new Set<string>();
  /** When the controller started and when a pass last finished (liveness). */
  private readonly startedAt = Date.now();
  /** When a pass last made progress (read the live state; see NOT_STUCK_ERRORS). */
  private lastPassEndedAt: number | undefined;
  /** Hint passes start at most every 2 s (hintSpacingMs): a burst of events is one pass. */
  private readonly hintPasses: SpacedTrigger;

  constructor(opts: DaemonOptions, deps: DaemonDependencies) {
    this.opts = opts;
    this.deps = deps;
    this.log = deps.log.child({ component: 'controller' });
    this.memory = new ControllerMemory(this.log, opts.backoff);
    this.hintPasses = new SpacedTrigger(opts.hintSpacingMs ?? HINT_SPACING_MS, () => this.requestPass('hint'));
    if (opts.verification) {
      // Three reads per API: its integrations, routes and stages.
      this.verifier = new RollingVerifier({ windowMs: opts.verification.windowMs, budgetRps: opts.verification.budgetRps, callsPerResource: 3, intervalMs: opts.intervalMs });
      // One GetApiMappings per domain. Both draw on the same background share of API
      // Gateway's pace, which the scheduler enforces call by call.
      this.mappingVerifier = new RollingVerifier({ windowMs: opts.verification.windowMs, budgetRps: opts.verification.budgetRps, callsPerResource: 1, intervalMs: opts.intervalMs });
      // The listings of every scheduled pass come out of the same budget first.
      this.budget = new ApiBudget({ budgetRps: opts.verification.budgetRps, intervalMs: opts.intervalMs });
      // Certificates are re-read at least once per window, and whenever something may have changed them.
      this.certificates = new CertificateCache({ maxAgeMs: opts.verification.windowMs });
    }
  }

  /** Start serving, leading (or trying to) and reconciling. Resolves with the port listened on. */
  async start(): Promise<number> {
    this.server = createControllerServer({
      drift: (now) => this.drift(now),
      readiness: () => this.readiness(),
      liveness: () => this.liveness(),
      metrics: () => this.deps.metrics.render(),
      refreshSeconds: Math.max(5, Math.min(15, Math.round(this.opts.intervalMs / 1000))),
    });
    const port = await listen(this.server, this.opts.port, this.opts.host);
    const lease = this.deps.lease;
    if (lease) {
      lease.onTransition((held) => {
        this.deps.metrics.setLeader(held);
        this.deps.metrics.leaseTransition();
        if (held) this.requestPass('lease-acquired');
      });
      // A stuck copy must not keep the lease: renewing stops once no pass has finished in time.
      lease.renewOnlyWhile(() => this.liveness().live);
      this.deps.metrics.setLeader(false);
      lease.start();
    } else {
      this.deps.metrics.setLeader(true);
      this.log.warn('no --lease-table: running unguarded; two copies of routeyard (an ECS deployment, a CI run) could write at once');
    }
    this.log.info({ port, intervalMs: this.opts.intervalMs, sourcePollMs: this.opts.sourcePollMs, source: this.opts.sourceUri }, 'controller started');
    this.requestPass('start');
    this.schedulePoll();
    return port;
  }

  /** Ask for a pass; if one is running, exactly one more runs after it. */
  requestPass(trigger: string): void {
    if (this.stopping) return;
    if (this.running) {
      // Something more urgent than background verification is waiting: the running pass
      // drops its background reads still queued (those APIs keep their turn) and ends sooner;
      // a scheduled pass still reading is abandoned altogether (the urgent one reads as much).
      if (URGENT_TRIGGERS.has(trigger)) {
        this.backgroundAbort?.abort();
        this.preemptAbort?.abort();
      }
      if (!this.queued || URGENT_TRIGGERS.has(trigger)) this.queued = trigger;
      return;
    }
    if (this.nextPass) clearTimeout(this.nextPass);
    this.running = this.loop(trigger);
  }

  /**
   * SIGTERM/SIGINT: start no new work, let the call in flight finish (the pass stops at its
   * next batch of writes), release the lease so another copy takes over at once, close the
   * server.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.nextPass) clearTimeout(this.nextPass);
    this.hintPasses.cancel();
    if (this.poller) clearTimeout(this.poller);
    await this.running;
    await this.deps.lease?.release();
    // Messages still queued get a few seconds, after the lease is released (a slow webhook must not strand it).
    await Promise.race([this.deps.notifier?.flush(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    if (this.server) {
      const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server.closeAllConnections();
      await closed;
    }
    this.log.info('controller stopped');
  }

  private async loop(trigger: string): Promise<void> {
    let next: string | undefined = trigger;
    while (next !== undefined && !this.stopping) {
      this.queued = undefined;
      try {
        await this.runOne(next);
      } catch (err) {
        this.log.error({ err: describeError(err) }, 'pass crashed');
      }
      next = this.queued;
    }
    this.running = undefined;
    this.memory.releaseGarbage(Date.now());
    this.scheduleNext();
  }

  /**
   * The next full pass: one interval from now (with jitter), or, after a pass that applied
   * changes, a verifying pass soon (2 s), so the report shows the converged state without
   * waiting a whole interval (as controller-runtime requeues after a change).
   */
  private scheduleNext(): void {
    if (this.stopping) return;
    const jitter = this.opts.jitter ?? 0.1;
    const applied = (this.latest?.summary.applied ?? 0) > 0;
    const pending = (this.latest?.summary.pending ?? 0) > 0;
    // --interval, or longer while the listings alone would take more than their share of the verify budget.
    const interval = this.budget?.intervalMs() ?? this.opts.intervalMs;
    const full = interval * (1 - jitter + Math.random() * 2 * jitter);
    // Pending work (a certificate being validated, a domain queued behind the 30 s pacing,
    // a replacement waiting for healthy targets) is looked at again sooner than a full interval.
    // Start to start: a pass that took part of the interval (background verification paced
    // within its budget) shortens the wait, so the budget is spent evenly, not in bursts.
    const spent = this.latest?.stats.durationMs ?? 0;
    const delay = applied ? Math.min(VERIFY_AFTER_CHANGE_MS, this.opts.intervalMs) : pending ? Math.min(PENDING_RECHECK_MS, full) : Math.max(0, full - spent);
    this.nextPass = setTimeout(() => this.requestPass(applied ? 'verify' : pending ? 'pending' : 'interval'), delay);
  }

  private schedulePoll(): void {
    if (this.stopping) return;
    this.poller = setTimeout(async () => {
      let version: string;
      try {
        version = await readSourceVersion(this.opts.sourceUri, this.deps.pollSources);
      } catch (err) {
        version = `error:${err instanceof RouteyardError ? err.code : describeError(err)}`;
      }
      if (this.polledVersion !== undefined && version !== this.polledVersion) {
        this.log.info({ from: this.polledVersion, to: version }, 'the desired-state source changed: starting a pass');
        this.requestPass('source-change');
      }
      this.polledVersion = version;
      this.schedulePoll();
    }, this.opts.sourcePollMs);
  }

  private async runOne(trigger: string): Promise<void> {
    const { pass, lease, metrics } = this.deps;
    pass.counter.reset();
    let loaded: LoadedRouteSet | undefined;
    let sourceError: ErrorReport | undefined;
    /** The source could not be read because AWS failed or did not answer: not a broken document. */
    let sourceUnreachable: ErrorReport | undefined;
    try {
      const deadline = AbortSignal.timeout(this.opts.passTimeoutMs ?? DEFAULT_PASS_TIMEOUT_MS);
      loaded = await withDeadline(deadline, () => loadRouteSet(this.opts.sourceUri, pass.sources, { ...(this.opts.ruleQuota !== undefined ? { ruleQuota: this.opts.ruleQuota } : {}) }));
    } catch (err) {
      const e = err instanceof RouteyardError ? err : new RouteyardError('Internal', describeError(err), { cause: err });
      const report = { code: e.code, message: e.message, fieldErrors: e.fieldErrors, fault: e.fault };
      if (e.fault === 'aws') sourceUnreachable = report;
      else sourceError = report;
    }
    const leading = lease ? lease.isLeader() : true;
    const document = loaded ?? this.lastGood;
    const before = this.checksState();
    const hintedServices = new Set(this.hinted);
    const hintedReads = this.hintedReads;
    this.hintedReads = new Set();
    const urgent = this.urgentChecks(trigger, document);
    if (this.verifier && this.mappingVerifier) this.budget?.distribute([this.verifier, this.mappingVerifier]);
    const deepReads = this.verifier?.selector(Date.now(), urgent);
    const mappingReads = this.mappingVerifier?.selector(Date.now(), urgent);
    this.backgroundAbort = new AbortController();
    this.preemptAbort = PREEMPTABLE_TRIGGERS.has(trigger) ? new AbortController() : undefined;
    if (trigger === 'start' || trigger === 'source-change' || trigger === 'lease-acquired') this.certificates?.invalidate();
    // A hint pass takes the certificates as last read whatever their age (a hint about one invalidates them).
    const certificates = this.certificates?.forPass(pass.observer, { ignoreAge: trigger === 'hint' });
    // A hint about the shared listener alone names no service: that pass reads everything.
    const reads = this.listingReads(hintedServices.size > 0 ? trigger : 'hint-listener', loaded && !sourceError ? loaded.source.version : undefined, hintedReads, certificates?.observer ?? pass.observer);
    const passDeps: PassDependencies = { ...pass, observer: reads.observer };
    const common = {
      ...(deepReads && mappingReads ? { deepReads, mappingReads, backgroundSignal: this.backgroundAbort.signal } : {}),
      sourceUri: this.opts.sourceUri,
      guards: this.opts.guards,
      ...(this.opts.ruleQuota !== undefined ? { ruleQuota: this.opts.ruleQuota } : {}),
      resetCounter: false,
      ...(this.opts.passTimeoutMs !== undefined ? { timeoutMs: this.opts.passTimeoutMs } : {}),
      beforeBatch: async () => {
        if (this.stopping) throw new RouteyardError('ShuttingDown', 'shutting down: no new writes are started');
        if (lease) await lease.fence();
      },
      hold: reads.reusing && document ? this.holdUnhinted(document, hintedServices) : this.memory.heldServices(Date.now()),
    };
    let report: Report;
    if (!document) {
      // Nothing valid was ever read: report the error, plan nothing.
      report = await runPass({ ...common, mode: 'dry-run', ...(loaded ? { document: loaded } : {}) }, passDeps);
    } else {
      try {
        report = await runPass(
          {
            ...common,
            mode: leading && !sourceError && !sourceUnreachable ? 'reconcile' : 'dry-run',
            document,
            ...(this.preemptAbort ? { preempt: this.preemptAbort.signal } : {}),
            // The scheduled pass is steady state: its listings count toward the verify budget, call by call.
            ...(trigger === 'interval' ? { steady: true } : {}),
          },
          passDeps,
        );
      } catch (err) {
        if (!(err instanceof PassPreempted)) throw err;
        // Nothing was planned or written: the urgent pass queued behind it runs now, with
        // everything this one chose still to do.
        this.verifier?.abandon();
        this.mappingVerifier?.abandon();
        this.restoreChecks(before);
        // What it finished reading is still a recent, whole read: later hint passes may reuse it.
        reads.keepPartial();
        this.hintedReads = new Set([...hintedReads, ...this.hintedReads]);
        this.log.debug({ trigger }, 'scheduled pass preempted while reading');
        return;
      } finally {
        this.preemptAbort = undefined;
      }
      // ssm: references that no longer resolve also mean the document is broken (AWS not
      // answering does not: that is no reason to distrust the document).
      if (!sourceError && report.error && SOURCE_ERRORS.has(report.error.code) && report.error.fault !== 'aws') {
        sourceError = report.error;
        if (this.lastGood && this.lastGood !== loaded) {
          pass.counter.reset();
          report = await runPass({ ...common, mode: 'dry-run', document: this.lastGood }, passDeps);
        }
      } else if (loaded && !(report.error && SOURCE_ERRORS.has(report.error.code))) {
        this.lastGood = loaded;
      }
    }
    if (sourceUnreachable) this.log.warn({ code: sourceUnreachable.code, err: sourceUnreachable.message.slice(0, 300) }, 'the desired-state source could not be read (AWS did not answer): the last valid document is observed, nothing is applied');
    if (sourceError && !this.sourceError) this.log.error({ code: sourceError.code, err: sourceError.message, fieldErrors: sourceError.fieldErrors }, 'the desired-state source is broken: keeping the last valid document, applying nothing');
    if (!sourceError && this.sourceError) this.log.info('the desired-state source is valid again: converging');
    this.sourceError = sourceError;
    // The version this pass planned from is what the poller compares with next, so a change
    // made between this read and the next poll still starts a pass.
    if (loaded && !sourceError) this.polledVersion = loaded.source.version;
    this.afterCertificates(report, certificates?.reusedFrom());
    reads.after(report, !sourceError && !sourceUnreachable && loaded !== undefined);
    const decorated = this.memory.record(report, trigger, Date.now());
    if (sourceError) decorated.sourceError = sourceError;
    if (this.verifier && this.mappingVerifier) {
      const deferred = report.services.flatMap((s) => s.resources.filter((r) => r.readThisPass === false));
      this.verifier.notRead(deferred.filter((r) => r.kind === 'httpApiChildren').map((r) => r.id));
      this.mappingVerifier.notRead(deferred.filter((r) => r.kind === 'apiMapping').map((r) => r.id.split('/')[0]!));
      if (trigger === 'interval' && !report.error) this.countListings(report);
      decorated.verification = combinedStatus(this.verifier.status(), this.mappingVerifier.status(), this.budget!);
      this.warnIfBudgetShort(decorated.verification);
    }
    this.attributeDrift(decorated, trigger);
    // Progress is a pass that read the live state (or stopped on the document, which no
    // restart fixes). One abandoned at its deadline, or failed because AWS could not be
    // read (every call timing out), is not: a copy whose passes all end that way is stuck.
    const progressed = !sourceUnreachable && (!report.error || NOT_STUCK_ERRORS.has(report.error.code) || (SOURCE_ERRORS.has(report.error.code) && report.error.fault === 'user'));
    if (progressed || (sourceError && sourceError.fault === 'user')) this.lastPassEndedAt = Date.now();
    this.latest = decorated;
    metrics.observePass(decorated);
    this.deps.notifier?.observe(decorated, Date.now(), this.docChanged);
    metrics.setSourceError(sourceError);
    if (!leading && lease) this.log.debug({ leader: lease.state().holder }, 'not the leader: observed only');
  }

  /**
   * Event hints (from the SQS queue): find the services whose resources they name, and start
   * a pass that deep-checks those at once. Nothing in an event is applied: the pass re-reads
   * AWS. Events about nothing this RouteSet manages are counted and dropped.
   */
  hint(events: MappedEvent[]): void {
    const index = new Map<string, string>();
    for (const s of this.latest?.services ?? []) {
      for (const r of s.resources) {
        index.set(r.id, s.name);
        if (r.kind === 'dnsRecord') index.set(r.id.split(' ')[0]!.toLowerCase(), s.name);
        if (r.kind === 'customDomain') index.set(r.id.toLowerCase(), s.name);
      }
    }
    // The shared listener, from this RouteSet's rule ARNs (listener-rule/app/LB/ID/LISTENER/RULE).
    const listeners = new Set(
      (this.latest?.services ?? []).flatMap((s) => s.resources.filter((r) => r.kind === 'listenerRule').map((r) => r.id.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, ''))),
    );
    let matched = 0;
    for (const e of events) {
      const r = e.resources;
      // A certificate or a custom domain changed (ours or not: a new certificate may cover a
      // wanted name): the next pass reads the certificates again.
      if (r.certificateArns.length > 0 || r.domainNames.length > 0) this.certificates?.invalidate();
      const ids = [...r.apiIds, ...r.ruleArns, ...r.targetGroupArns, ...r.certificateArns, ...r.domainNames, ...r.records.map((x) => x.name)];
      const services = new Set(ids.flatMap((id) => (index.has(id) ? [index.get(id)!] : [])));
      // A call on the shared listener itself (a rule created beside ours) shows in the listing.
      const onListener = r.listenerArns.some((l) => listeners.has(l)) || r.ruleArns.some((a) => listeners.has(a.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '')));
      if (services.size === 0 && !onListener) {
        this.deps.metrics.hintIgnored('not-owned');
        this.log.info({ eventName: e.eventName, eventSource: e.eventSource }, 'event names nothing this RouteSet manages: ignored');
        continue;
      }
      matched++;
      this.deps.metrics.hintMapped(Math.max(0, (Date.now() - e.eventTime.getTime()) / 1000));
      for (const s of services) {
        this.hinted.add(s);
        this.hintedAt.set(s, Date.now());
      }
      for (const id of r.apiIds) this.hintedApiIds.add(id);
      // What the hint pass must read afresh rather than reuse from the last full read.
      if (r.ruleArns.length > 0 || r.targetGroupArns.length > 0 || r.listenerArns.length > 0) this.hintedReads.add('loadBalancing');
      if (r.records.length > 0) this.hintedReads.add('zone');
    }
    // A storm of events (or of forged messages) is not a storm of passes.
    if (matched > 0) this.hintPasses.request();
  }

  /**
   * What this pass reads at once instead of waiting for its turn: everything at start, the
   * services a document change touched, and those not in sync at the last pass (drift being
   * repaired, errors, pending work).
   */
  private urgentChecks(trigger: string, document: LoadedRouteSet | undefined): Urgent {
    if (!document) return { all: true };
    const specs = new Map(document.doc.spec.services.map((s) => [s.name, JSON.stringify(s)]));
    const shared = JSON.stringify(document.doc.spec.shared);
    const first = trigger === 'start' || !this.latest || this.plannedShared === undefined;
    const sharedChanged = this.plannedShared !== shared;
    const services = new Set<string>();
    for (const [name, spec] of specs) if (this.plannedSpecs.get(name) !== spec) services.add(name);
    this.docChanged = new Set(first ? [] : services);
    for (const s of this.latest?.services ?? []) if (s.status !== 'InSync') services.add(s.name);
    for (const a of this.latest?.actions ?? []) services.add(a.service);
    for (const s of this.hinted) services.add(s);
    const apiIds = this.hintedApiIds;
    this.hinted = new Set();
    this.hintedApiIds = new Set();
    this.plannedSpecs = specs;
    this.plannedShared = shared;
    // A pass a hint or a document change started reads what is urgent and nothing in the
    // background: its repair must not wait for background reads paced at the verify budget.
    const background = !URGENT_TRIGGERS.has(trigger);
    return first || sharedChanged ? { all: true } : { services, apiIds, background };
  }

  /**
   * Drift this pass found (services with actions planned, not because the document changed),
   * credited to an event when a hint named the service in the last five minutes, else to the
   * scheduled checks; with event hints on, the latter is a gap in the event path.
   */
  private attributeDrift(report: Report, trigger: string): void {
    if (trigger === 'start' || trigger === 'source-change') return;
    // Newly drifted only: in sync at the previous pass (a service failing pass after pass is not new drift each time).
    const wasInSync = new Set((this.latest?.services ?? []).filter((s) => s.status === 'InSync').map((s) => s.name));
    const drifted = new Set(report.actions.map((a) => a.service).filter((s) => !this.docChanged.has(s) && wasInSync.has(s)));
    const now = Date.now();
    let byEvent = 0;
    let byRolling = 0;
    for (const s of drifted) {
      if (now - (this.hintedAt.get(s) ?? -Infinity) <= 5 * 60_000) byEvent++;
      else byRolling++;
    }
    this.deps.metrics.drift('event', byEvent, false);
    this.deps.metrics.drift('rolling', byRolling, this.opts.eventHints === true);
  }

  /**
   * A scheduled pass's API Gateway listings (every read that is not a deep read: GetApis,
   * GetDomainNames and their pages) come out of the verify budget first. When they alone
   * would take more than their share, scheduled passes are spaced out (said once).
   */
  private countListings(report: Report): void {
    const budget = this.budget!;
    let listings = 0;
    for (const [key, n] of Object.entries(report.stats.awsCalls.byOperation)) {
      const [service, operation = ''] = key.split('.');
      if (service === 'APIGateway' && !isMutatingOperation(operation) && !DEEP_READS.has(operation)) listings += n;
    }
    budget.listed(listings);
    const fields = { listingCalls: listings, intervalSeconds: this.opts.intervalMs / 1000, budgetRps: budget.budgetRps, spacedSeconds: budget.intervalMs() / 1000 };
    if (budget.spaced() && !this.spacedLogged) {
      this.log.warn(
        fields,
        `the API Gateway listings (${listings} calls a pass) every ${fields.intervalSeconds} s would take more than half the verify budget (${budget.budgetRps} calls/s): scheduled passes are spaced to every ${fields.spacedSeconds} s so the whole steady-state cost stays within it (hints and document changes still start a pass at once); raise --verify-budget or --interval`,
      );
      this.spacedLogged = true;
    } else if (!budget.spaced() && this.spacedLogged) {
      this.log.info(fields, `the API Gateway listings fit the verify budget again: scheduled passes every --interval (${fields.intervalSeconds} s)`);
      this.spacedLogged = false;
    }
  }

  /**
   * Certificates reused from an earlier read are reported as such (not read this pass, with
   * the time they were read); a pass that failed, or wrote what changes a certificate
   * (requested or deleted one, created, updated or deleted a custom domain: its `inUseBy`, or
   * changed DNS records: validation), makes the next one read them again.
   */
  private afterCertificates(report: Report, reusedFrom: number | undefined): void {
    if (reusedFrom !== undefined) {
      const at = new Date(reusedFrom).toISOString();
      for (const s of report.services) {
        for (const r of s.resources) {
          if (r.kind !== 'certificate' || r.status !== 'InSync') continue;
          r.readThisPass = false;
          r.lastVerifiedAt = at;
        }
      }
    }
    const touched = Object.keys(report.stats.awsCalls.byOperation).some((k) => CERTIFICATE_WRITES.test(k));
    if (report.error || touched) this.certificates?.invalidate();
  }

  /**
   * The reads of one pass: a pass a hint started reuses the recent listings the hint does not
   * concern (see ListingReuse); every other pass reads everything, and each pass that ended
   * without error and wrote nothing is the base later hint passes reuse.
   */
  private listingReads(trigger: string, version: string | undefined, hintedReads: ReadonlySet<ReusableRead>, observer: Observer) {
    // Without event hints there are no hint passes: nothing is kept.
    if (!this.opts.eventHints) return { observer, reusing: false, keepPartial: () => undefined, after: () => undefined };
    const reuseReads = new Set<ReusableRead>((['loadBalancing', 'zone', 'outputs'] as const).filter((r) => !hintedReads.has(r)));
    const reusing = trigger === 'hint' && reuseReads.size > 0 && this.listings.available(version);
    // No older than about two scheduled passes (and 30 s at least: hints in a row preempt the passes between them).
    const maxAgeMs = Math.max(30_000, 2 * (this.budget?.intervalMs() ?? this.opts.intervalMs));
    const pass = this.listings.forPass(observer, reusing && version !== undefined ? { reads: reuseReads, version, maxAgeMs } : undefined);
    return {
      observer: pass.observer,
      reusing,
      keepPartial: () => pass.keepPartial(version),
      after: (report: Report, documentSound: boolean) => {
        const reused = pass.reused();
        const kinds = new Map<ResourceKind, number>();
        for (const r of reused) {
          const at = kinds.get(REUSED_KINDS[r.read][0]!);
          for (const k of REUSED_KINDS[r.read]) kinds.set(k, at === undefined ? r.readAt : Math.min(at, r.readAt));
        }
        // Reported as what they are: not read this pass, as last read.
        for (const s of report.services) {
          for (const r of s.resources) {
            const at = kinds.get(r.kind);
            if (at === undefined) continue;
            r.readThisPass = false;
            r.lastVerifiedAt = new Date(at).toISOString();
          }
        }
        if (reused.length > 0) this.log.debug({ reused: reused.map((r) => r.read) }, 'hint pass: recent listings reused');
        // A write to a service makes its reads stale (what routeyard wrote is not in them).
        const wrote = new Set<ReusableRead>();
        for (const [key, n] of Object.entries(report.stats.awsCalls.byOperation)) {
          const [service = '', operation = ''] = key.split('.');
          const read = WRITES_STALE[service];
          if (read && n > 0 && isMutatingOperation(operation)) wrote.add(read);
        }
        pass.commit(version, documentSound && !report.error ? wrote : 'all');
      },
    };
  }

  /** In a hint pass that reuses listings, only the hinted services' actions are applied; the others wait for the next scheduled pass (and back-off still holds). */
  private holdUnhinted(document: LoadedRouteSet, hinted: ReadonlySet<string>): Map<string, string> {
    const hold = new Map(this.memory.heldServices(Date.now()));
    for (const s of document.doc.spec.services) {
      if (!hinted.has(s.name) && !hold.has(s.name)) hold.set(s.name, 'not applied by a hint pass about another service (it reused recent listings): the next scheduled pass reads everything and applies it');
    }
    return hold;
  }

  /** What urgentChecks consumes, to put back when the pass it was for is abandoned. */
  private checksState() {
    return { plannedSpecs: this.plannedSpecs, plannedShared: this.plannedShared, hinted: this.hinted, hintedApiIds: this.hintedApiIds, docChanged: this.docChanged };
  }

  private restoreChecks(before: ReturnType<Controller['checksState']>): void {
    this.plannedSpecs = before.plannedSpecs;
    this.plannedShared = before.plannedShared;
    this.docChanged = before.docChanged;
    // Hints that arrived meanwhile are kept with the earlier ones.
    this.hinted = new Set([...before.hinted, ...this.hinted]);
    this.hintedApiIds = new Set([...before.hintedApiIds, ...this.hintedApiIds]);
  }

  private warnIfBudgetShort(v: VerificationStatus): void {
    // Not before a scheduled pass has measured what the listings take of the budget.
    if (this.budget?.listingCallsPerPass() === undefined) return;
    if (!v.sufficient && !this.warnedBudget) {
      this.log.warn(
        { resources: v.resources, windowSeconds: v.windowSeconds, achievableWindowSeconds: v.achievableWindowSeconds, budgetRps: v.budgetRps },
        `the verify budget cannot read ${v.resources} APIs within ${v.windowSeconds} s; it can keep ${v.achievableWindowSeconds} s: raise --verify-budget or --verify-within`,
      );
    }
    this.warnedBudget = !v.sufficient;
  }

  private drift(now: number): DriftResponse | undefined {
    const r = this.latest;
    if (!r) return undefined;
    return {
      ...r,
      ageSeconds: Math.max(0, (now - Date.parse(r.generatedAt)) / 1000),
      lease: this.leaseState(),
      recentPasses: this.memory.recentPasses(),
    };
  }

  private leaseState(): LeaseState {
    return (
      this.deps.lease?.state() ?? { enabled: false, table: null, held: true, holder: null, self: 'unguarded', fencingToken: null, expiresAt: null }
    );
  }

  /**
   * Live while passes keep making progress: the next pass is due within about an interval
   * (plus jitter) of the last one and takes at most --pass-timeout. A copy none of whose
   * passes has read the live state for longer than that plus a margin (every call hanging
   * or timing out, every pass abandoned at its deadline, or a hang outside AWS calls) is
   * stuck: /healthz answers 503, so ECS replaces the task, and the lease is no longer
   * renewed, so another copy takes over.
   */
  private liveness(): { live: true } | { live: false; code: string; message: string } {
    const passTimeout = this.opts.passTimeoutMs ?? DEFAULT_PASS_TIMEOUT_MS;
    const bound = this.opts.intervalMs * 1.2 + passTimeout + Math.min(30_000, passTimeout);
    const since = this.lastPassEndedAt ?? this.startedAt;
    const idle = Date.now() - since;
    if (idle <= bound) return { live: true };
    return { live: false, code: 'Stuck', message: `no pass has read the live state for ${Math.round(idle / 1000)} s (the bound is ${Math.round(bound / 1000)} s: interval, pass timeout and a margin); the last pass: ${this.latest?.error ? `${this.latest.error.code}: ${this.latest.error.message.slice(0, 200)}` : 'none yet'}` };
  }

  private readiness(): { ready: true } | { ready: false; code: string; message: string } {
    if (!this.latest) return { ready: false, code: 'NoPassYet', message: 'no pass has completed yet' };
    const live = this.liveness();
    if (!live.live) return { ready: false, code: live.code, message: live.message };
    if (this.sourceError) return { ready: false, code: 'SourceBroken', message: `the desired-state source is broken: ${this.sourceError.code}: ${this.sourceError.message}` };
    return { ready: true };
  }
}

/**
 * APIs (3 reads each) and custom domains' mappings (1 read each) share one background budget:
 * the verify budget less the scheduled passes' listings.
 */
function combinedStatus(apis: VerificationStatus, mappings: VerificationStatus, budget: ApiBudget): VerificationStatus {
  const calls = apis.resources * apis.callsPerResource + mappings.resources * mappings.callsPerResource;
  // One full cycle at what the listings leave of the budget, plus one pass interval (reads happen at pass starts).
  const deep = budget.deepRps();
  const achievable = deep > 0 ? calls / deep + budget.intervalMs() / 1000 : Number.MAX_SAFE_INTEGER;
  const oldest = [apis.oldestVerifiedAt, mappings.oldestVerifiedAt].filter((t): t is string => t !== null).sort()[0] ?? null;
  return {
    ...apis,
    // What background verification may spend: the budget less the listings.
    budgetRps: Math.round(deep * 1000) / 1000,
    resources: apis.resources + mappings.resources,
    achievableWindowSeconds: Math.round(achievable * 10) / 10,
    sufficient: achievable <= apis.windowSeconds,
    oldestVerifiedAt: oldest,
  };
}
