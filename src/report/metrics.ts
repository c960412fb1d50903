import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallListener } from '../aws/call-counter.ts';
import { ResourceKind, type ErrorReport, type Report, type Status } from '../model/report-contract.ts';
import { loadBalancerFill } from './load-balancer-fill.ts';

const STATUSES: Status[] = ['InSync', 'Drifted', 'Missing', 'Orphaned', 'Pending', 'Conflict', 'Error'];
/** Every kind the report contract knows, so a new kind is a label value at once. */
const KINDS: readonly ResourceKind[] = ResourceKind.options;

/**
 * The daemon's Prometheus metrics (prom-client), named in the style of controller-runtime
 * and external-dns: a `routeyard_` prefix, base units, `_total` counters, low-cardinality
 * labels (statuses, kinds, AWS service and operation names; never ARNs). Process metrics
 * keep prom-client's standard names (process_*, nodejs_*).
 */
export class ControllerMetrics implements CallListener {
  readonly registry = new Registry();
  private readonly passes: Counter;
  private readonly passDuration: Histogram;
  private readonly lastSuccess: Gauge;
  private readonly lastPass: Gauge;
  private readonly services: Gauge;
  private readonly resources: Gauge;
  private readonly conflicts: Gauge;
  private readonly awsCalls: Counter;
  private readonly throttles: Counter;
  private readonly retries: Counter;
  private readonly lostAnswers: Counter;
  private readonly passTimeouts: Counter;
  private readonly hintQueueErrors: Counter;
  private readonly warnings: Gauge;
  private readonly sourceErrors: Counter;
  private readonly sourceError: Gauge;
  private readonly leader: Gauge;
  private readonly leaseTransitions: Counter;
  private readonly actions: Counter;
  private readonly lastVerified: Gauge;
  private readonly verifyWindow: Gauge;
  private readonly verifyAchievable: Gauge;
  private readonly verifySufficient: Gauge;
  private readonly verifyResources: Gauge;
  private readonly hints: Counter;
  private readonly hintLag: Histogram;
  private readonly driftDetected: Counter;
  private readonly eventGaps: Counter;
  private readonly notifications: Counter;
  private readonly notificationsQueued: Gauge;
  private readonly albRules: Gauge;
  private readonly albRuleQuota: Gauge;
  private readonly albTargetGroups: Gauge;
  private readonly albTargetGroupQuota: Gauge;
  private readonly albServices: Gauge;

  constructor() {
    const registers = [this.registry];
    this.passes = new Counter({ name: 'routeyard_reconcile_passes_total', help: 'Reconciliation passes, by outcome and mode.', labelNames: ['outcome', 'mode'], registers });
    this.passDuration = new Histogram({
      name: 'routeyard_reconcile_duration_seconds',
      help: 'Wall time of a reconciliation pass.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.lastSuccess = new Gauge({ name: 'routeyard_last_success_timestamp_seconds', help: 'When the last pass that ended InSync, Converged or Pending finished (Unix time).', registers });
    this.lastPass = new Gauge({ name: 'routeyard_last_pass_timestamp_seconds', help: 'When the last pass finished (Unix time).', registers });
    this.services = new Gauge({ name: 'routeyard_services', help: 'Services by status in the latest pass.', labelNames: ['status'], registers });
    this.resources = new Gauge({ name: 'routeyard_resources', help: 'Resources by kind and status in the latest pass.', labelNames: ['kind', 'status'], registers });
    this.conflicts = new Gauge({ name: 'routeyard_conflicts', help: 'Resources in Conflict (something routeyard does not own is in the way) in the latest pass.', registers });
    this.awsCalls = new Counter({
      name: 'routeyard_aws_api_calls_total',
      help: 'AWS API calls by AWS service (as in the report byService), operation and outcome (success or error).',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
    });
    this.throttles = new Counter({ name: 'routeyard_aws_api_throttles_total', help: 'Attempts AWS answered with a throttling error.', labelNames: ['service', 'operation'], registers });
    this.retries = new Counter({ name: 'routeyard_aws_api_retries_total', help: 'Extra attempts the AWS SDK made after a retryable error.', labelNames: ['service'], registers });
    this.lostAnswers = new Counter({
      name: 'routeyard_aws_lost_answers_total',
      help: 'Creates without an idempotency token whose answer was lost (reset, timeout, 5xx): never sent again; what they made was looked up instead.',
      labelNames: ['service', 'operation'],
      registers,
    });
    this.warnings = new Gauge({ name: 'routeyard_resource_warnings', help: 'Resources with a warning in the latest pass (a certificate in use that expires within 14 days and is not being renewed), by kind.', labelNames: ['kind'], registers });
    this.warnings.set({ kind: 'certificate' }, 0);
    this.passTimeouts = new Counter({ name: 'routeyard_pass_timeouts_total', help: 'Passes abandoned at their deadline (--pass-timeout).', registers });
    this.passTimeouts.inc(0);
    this.hintQueueErrors = new Counter({ name: 'routeyard_event_queue_errors_total', help: 'Failed calls on the event-hint queue (receive) and messages it failed to delete.', labelNames: ['operation'], registers });
    for (const operation of ['receive', 'delete']) this.hintQueueErrors.inc({ operation }, 0);
    this.actions = new Counter({ name: 'routeyard_actions_total', help: 'Planned actions by result (applied, failed, skipped, pending, planned).', labelNames: ['result'], registers });
    this.sourceErrors = new Counter({ name: 'routeyard_source_errors_total', help: 'Passes that found the desired-state source unreadable, empty or invalid, by error code.', labelNames: ['code'], registers });
    this.sourceError = new Gauge({
      name: 'routeyard_source_error',
      help: '1 while the desired-state source is unreadable, empty or invalid (nothing is applied meanwhile), by error code.',
      labelNames: ['code'],
      registers,
    });
    this.leader = new Gauge({ name: 'routeyard_leader', help: '1 while this copy holds the leader lease (or runs unguarded), else 0.', registers });
    this.leaseTransitions = new Counter({ name: 'routeyard_lease_transitions_total', help: 'Times this copy took or lost the leader lease.', registers });
    // One series per kind, not per resource: per resource it was about 8 series per service
    // (8,000 at 1,000 services, each labelled with an ARN), rebuilt every pass and written out
    // at every scrape; the oldest per kind is what an alert on stalled verification needs, and
    // /drift keeps each resource's lastVerifiedAt (issue 18).
    this.lastVerified = new Gauge({
      name: 'routeyard_resource_oldest_verified_timestamp_seconds',
      help: 'When routeyard last read the least recently read resource of each kind from AWS (Unix time); each resource\'s own time is its lastVerifiedAt in /drift.',
      labelNames: ['kind'],
      registers,
    });
    this.verifyWindow = new Gauge({ name: 'routeyard_verify_window_seconds', help: '--verify-within: every API is to be deep-verified at least this often.', registers });
    this.verifyAchievable = new Gauge({
      name: 'routeyard_verify_achievable_window_seconds',
      help: 'The shortest deep-verification window the verify budget can keep for the current number of APIs.',
      registers,
    });
    this.verifySufficient = new Gauge({ name: 'routeyard_verify_budget_sufficient', help: '1 when the verify budget covers --verify-within for the current number of APIs, else 0.', registers });
    this.verifyResources = new Gauge({ name: 'routeyard_verify_resources', help: 'APIs under rolling deep verification.', registers });
    this.hints = new Counter({
      name: 'routeyard_event_hints_total',
      help: 'Event-queue messages by result: received, mapped (to resources routeyard manages), ignored (by reason).',
      labelNames: ['result', 'reason'],
      registers,
    });
    this.hintLag = new Histogram({
      name: 'routeyard_event_hint_lag_seconds',
      help: "Time from an event's eventTime (the API call) until routeyard read it from the queue.",
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.driftDetected = new Counter({
      name: 'routeyard_drift_detected_total',
      help: 'Services found drifted, by what found it: event (a hint named it) or rolling (a scheduled check).',
      labelNames: ['by'],
      registers,
    });
    this.eventGaps = new Counter({
      name: 'routeyard_event_gaps_total',
      help: 'Drift a rolling check found that no event announced, while event hints are on: a gap in the event path.',
      registers,
    });
    this.notifications = new Counter({
      name: 'routeyard_notifications_total',
      help: 'Webhook notifications by result: sent, failed (error, timeout, non-2xx answer or redirect), dropped (the oldest, from a full queue).',
      labelNames: ['result'],
      registers,
    });
    // One series per ALB of the document (at most 20, named by the shard: never an ARN), so an
    // alert can fire before one fills: rules / rule_quota or target_groups / target_group_quota > 0.8.
    const lb = ['load_balancer'];
    this.albRules = new Gauge({ name: 'routeyard_load_balancer_rules', help: 'Non-default rules on every listener of the ALB, foreign ones included, by shard of spec.shared.loadBalancers.', labelNames: lb, registers });
    this.albRuleQuota = new Gauge({ name: 'routeyard_load_balancer_rule_quota', help: "The ALB's rule quota (ruleQuota or --rule-quota), by shard.", labelNames: lb, registers });
    this.albTargetGroups = new Gauge({ name: 'routeyard_load_balancer_target_groups', help: 'Target groups attached to the ALB, by shard.', labelNames: lb, registers });
    this.albTargetGroupQuota = new Gauge({ name: 'routeyard_load_balancer_target_group_quota', help: 'Target groups an ALB takes (100), by shard.', labelNames: lb, registers });
    this.albServices = new Gauge({ name: 'routeyard_load_balancer_services', help: 'Services of the document on the ALB (a moving service counts where it goes), by shard.', labelNames: lb, registers });
    this.notificationsQueued = new Gauge({ name: 'routeyard_notifications_queued', help: 'Webhook notifications waiting to be sent.', registers });
    for (const result of ['sent', 'failed', 'dropped']) this.notifications.inc({ result }, 0);
    for (const by of ['event', 'rolling']) this.driftDetected.inc({ by }, 0);
    this.eventGaps.inc(0);
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges with `_total`, which the Prometheus conventions (and
    // `promtool check metrics`) reserve for counters; routeyard does not need them.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    for (const status of STATUSES) this.services.set({ status }, 0);
  }

  callEnded(service: string, operation: string, outcome: 'success' | 'error'): void {
    this.awsCalls.inc({ service, operation, outcome });
  }

  throttled(service: string, operation: string): void {
    this.throttles.inc({ service, operation });
  }

  retried(service: string): void {
    this.retries.inc({ service });
  }

  lostAnswer(service: string, operation: string): void {
    this.lostAnswers.inc({ service, operation });
  }

  hintQueueError(operation: 'receive' | 'delete', count: number): void {
    this.hintQueueErrors.inc({ operation }, count);
  }

  observePass(report: Report): void {
    this.passes.inc({ outcome: report.outcome, mode: report.mode });
    if (report.error?.code === 'PassTimedOut') this.passTimeouts.inc();
    this.passDuration.observe(report.stats.durationMs / 1000);
    const end = Date.parse(report.generatedAt) / 1000;
    this.lastPass.set(end);
    if (report.outcome === 'InSync' || report.outcome === 'Converged' || report.outcome === 'Pending') this.lastSuccess.set(end);
    if (report.services.length === 0 && report.error) return; // nothing was observed: keep the last picture
    for (const status of STATUSES) this.services.set({ status }, report.services.filter((s) => s.status === status).length);
    this.resources.reset();
    this.warnings.reset();
    this.warnings.set({ kind: 'certificate' }, 0);
    for (const s of report.services) for (const r of s.resources) if (r.warning) this.warnings.inc({ kind: r.kind });
    // One walk over the resources (1,000 services have about 8,000), not one per kind and status.
    const counts = new Map<string, number>();
    let conflicts = 0;
    for (const s of report.services) {
      for (const r of s.resources) {
        const key = `${r.kind}\u0000${r.status}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (r.status === 'Conflict') conflicts++;
      }
    }
    for (const kind of KINDS) {
      for (const status of STATUSES) {
        const n = counts.get(`${kind}\u0000${status}`) ?? 0;
        if (n > 0) this.resources.set({ kind, status }, n);
      }
    }
    this.conflicts.set(conflicts);
    for (const a of report.actions) this.actions.inc({ result: a.result ?? 'planned' });
    const oldest = new Map<string, number>();
    for (const s of report.services) {
      for (const r of s.resources) {
        if (!r.lastVerifiedAt) continue;
        const t = Date.parse(r.lastVerifiedAt) / 1000;
        if (t < (oldest.get(r.kind) ?? Infinity)) oldest.set(r.kind, t);
      }
    }
    this.lastVerified.reset();
    for (const [kind, t] of oldest) this.lastVerified.set({ kind }, t);
    if (report.loadBalancers) {
      // A shard removed from the document drops its series (it is in the report as departed while its services move).
      for (const g of [this.albRules, this.albRuleQuota, this.albTargetGroups, this.albTargetGroupQuota, this.albServices]) g.reset();
      for (const f of loadBalancerFill(report)) {
        const labels = { load_balancer: f.label };
        this.albRules.set(labels, f.rules);
        if (f.ruleQuota !== undefined) this.albRuleQuota.set(labels, f.ruleQuota);
        this.albTargetGroups.set(labels, f.targetGroups);
        this.albTargetGroupQuota.set(labels, f.targetGroupQuota);
        this.albServices.set(labels, f.services);
      }
    }
    const v = report.verification;
    if (v) {
      this.verifyWindow.set(v.windowSeconds);
      this.verifyAchievable.set(v.achievableWindowSeconds);
      this.verifySufficient.set(v.sufficient ? 1 : 0);
      this.verifyResources.set(v.resources);
    }
  }

  private readonly sourceErrorCodes = new Set<string>();

  /** 1 for the current error's code; every code seen before drops to 0 (a series that vanished could not be alerted on as 0). */
  setSourceError(error: ErrorReport | undefined): void {
    for (const code of this.sourceErrorCodes) this.sourceError.set({ code }, 0);
    if (error) {
      this.sourceErrorCodes.add(error.code);
      this.sourceError.set({ code: error.code }, 1);
      this.sourceErrors.inc({ code: error.code });
    }
  }

  notification(result: 'sent' | 'failed' | 'dropped'): void {
    this.notifications.inc({ result });
  }

  notificationQueue(length: number): void {
    this.notificationsQueued.set(length);
  }

  hintReceived(): void {
    this.hints.inc({ result: 'received', reason: '' });
  }

  hintMapped(lagSeconds: number): void {
    this.hints.inc({ result: 'mapped', reason: '' });
    this.hintLag.observe(lagSeconds);
  }

  hintIgnored(reason: string): void {
    this.hints.inc({ result: 'ignored', reason });
  }

  drift(by: 'event' | 'rolling', services: number, gap: boolean): void {
    if (services === 0) return;
    this.driftDetected.inc({ by }, services);
    if (gap) this.eventGaps.inc(services);
  }

  setLeader(held: boolean): void {
    this.leader.set(held ? 1 : 0);
  }

  leaseTransition(): void {
    this.leaseTransitions.inc();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
