import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import ms from 'ms';
import type { ClientSettings } from '../aws/clients.ts';
import { withDeadline } from '../aws/api-scheduler.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, createAwsClients } from '../aws/clients.ts';
import { parseSourceUri } from '../desired/sources/index.ts';
import { RouteyardError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { DEFAULT_GUARDS, type GuardSettings } from '../reconcile/guards.ts';
import { DEFAULT_LEASE, LeaseManager } from '../reconcile/lease.ts';
import { DEFAULT_PASS_TIMEOUT_MS, runPass } from '../reconcile/pass.ts';
import { buildReport, exitCodeFor, type Mode, type Report } from '../plan/report.ts';
import { renderJson } from '../report/json.ts';
import { ControllerMetrics } from '../report/metrics.ts';
import { renderText } from '../report/text.ts';
import { Controller } from './daemon.ts';
import { HintListener } from './hint-listener.ts';
import { Notifier } from './notifier.ts';
import { EventQueue, accountOfQueueUrl } from '../aws/sqs/event-queue.ts';
import { sourceBackends, wire, type Wiring } from './wire.ts';
import { capDuration } from './durations.ts';
import { runImport, type ImportOptions } from './import-command.ts';
import type { ImportResult } from '../import/to-document.ts';
import { HeaderName, RouteSet } from '../desired/schema.ts';

/** The groups of flags, in the order --help and docs/cli.md list them, with their headings. */
export const FLAG_GROUPS = {
  mode: 'Modes:',
  general: 'Options:',
  controller: 'Controller (daemon) options:',
  import: 'Import (--import):',
  lease: 'Leader lease (daemon, and --reconcile-once without --dry-run):',
  /** Printed right after the lease flags, without a heading of its own. */
  help: '',
} as const;

export type FlagGroup = keyof typeof FLAG_GROUPS;

/**
 * One command-line flag. This list is the one definition of the command line: the parser's
 * options (`parseArgs`), the `--help` text (USAGE) and the flag table in docs/cli.md
 * (`make docs`; a test fails when the page is stale) are all made from it.
 */
export interface FlagSpec {
  /** Without the leading dashes. */
  readonly name: string;
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  /** The value's placeholder: `URI`, `N`, `DURATION`, `text|json`. */
  readonly arg?: string;
  readonly group: FlagGroup;
  /** What --help says, one entry per line (wrapped by hand, as printed). */
  readonly help: readonly string[];
  /** What docs/cli.md says (Markdown, one table cell). */
  readonly doc: string;
}

/** The controller, which runs when no mode flag is given: listed first under Modes. */
export const NO_MODE = {
  help: [
    'run the controller: reconcile every --interval and whenever the',
    'source changes, serve /drift, /metrics, /healthz, /readyz and a',
    'dashboard on --port, until SIGTERM or SIGINT',
  ],
  doc: 'Run the controller until SIGTERM or SIGINT: see [the controller](controller.md).',
} as const;

export const FLAGS = [
  {
    name: 'reconcile-once',
    type: 'boolean',
    group: 'mode',
    help: ['plan and apply once, then exit'],
    doc: 'Observe, plan, apply once, print the report, exit.',
  },
  {
    name: 'dry-run',
    type: 'boolean',
    group: 'mode',
    help: ['plan and report only (with or without --reconcile-once)'],
    doc: 'Observe and plan, then report only. Makes no mutating call. Can be combined with `--reconcile-once`; the dry run wins.',
  },
  {
    name: 'validate',
    type: 'boolean',
    group: 'mode',
    help: ['check the desired state document only; reads the source, nothing else'],
    doc: 'Check the document only: schema and semantics. Reads the source and calls nothing else.',
  },
  {
    name: 'import',
    type: 'boolean',
    group: 'mode',
    help: [
      'read the live account around a listener and write a RouteSet that',
      'describes it to stdout (JSON, spec.adopt true); what was left out,',
      'and why, goes to stderr. Read-only.',
    ],
    doc: 'Read the live account around a listener and write a RouteSet describing it on stdout (JSON), with what was left out and why, and the CloudFormation stacks that still hold resources, on stderr. Read calls only. See [taking over a live account](adoption.md). Exit 0 written, 1 a read failed, 3 an invalid `--source`.',
  },
  {
    name: 'source',
    type: 'string',
    arg: 'URI',
    group: 'general',
    help: ['file:PATH | ssm:/name | ssm-path:/prefix/ | s3://bucket/key', '(default: $ROUTEYARD_SOURCE)'],
    doc: 'Where the desired state lives: see [sources](document-format.md#sources). Default: `$ROUTEYARD_SOURCE`.',
  },
  {
    name: 'output',
    type: 'string',
    arg: 'text|json',
    group: 'general',
    help: ['report format on stdout, one-shot modes (default: text)'],
    doc: 'Report format on stdout. `text` is for a terminal: one line per service with its status, then the actions. `json` is the [report contract](report-format.md). Default: `text` (`json` with `--import`, which takes nothing else).',
  },
  {
    name: 'allow-mass-delete',
    type: 'boolean',
    group: 'general',
    help: ['allow a pass to delete more than --max-delete-share of owned resources'],
    doc: 'Let a pass delete more than `--max-delete-share` of the resources this RouteSet owns (see [the mass-delete guard](ownership-and-safety.md#the-mass-delete-guard)).',
  },
  {
    name: 'max-delete-share',
    type: 'string',
    arg: 'N',
    group: 'general',
    help: ['largest share (0..1) of owned resources one pass may delete (default 0.5)'],
    doc: 'The largest share (0..1) of owned resources, in all or of any one kind, one pass may delete. Default `0.5`.',
  },
  {
    name: 'rule-quota',
    type: 'string',
    arg: 'N',
    group: 'general',
    help: ['listener rules allowed per load balancer (default 100, the AWS default quota; a shard\'s own ruleQuota wins)'],
    doc: 'How many listener rules each ALB may hold (a shard\'s own `ruleQuota` in `spec.shared.loadBalancers` wins). Default 100, the AWS default quota. Raise it only after AWS has raised your quota.',
  },
  {
    name: 'apigw-rps',
    type: 'string',
    arg: 'N',
    group: 'general',
    help: ['client-side pace of API Gateway calls per second (default 10)'],
    doc: 'Client-side pace for API Gateway management calls, in requests per second. Default 10, the account-wide AWS limit.',
  },
  {
    name: 'route53-rps',
    type: 'string',
    arg: 'N',
    group: 'general',
    help: ['client-side pace of Route 53 calls per second (default 5)'],
    doc: 'Client-side pace for Route 53 calls. Default 5: Route 53\'s API is account-wide and shared with every tool in the account.',
  },
  {
    name: 'domain-pace',
    type: 'string',
    arg: 'DURATION',
    group: 'general',
    help: ['least time between two CreateDomainName (or Update-, Delete-)', 'calls; AWS allows one per 30 s per account (default 30s)'],
    doc: 'The least time between two `CreateDomainName` (likewise `UpdateDomainName`, `DeleteDomainName`) calls. Default `30s`: AWS allows one of each per 30 s per account, not adjustable. The domains still queued are `Pending`. `0s` lifts the pacing (an emulator). See [pacing](names.md#pacing).',
  },
  {
    name: 'wait',
    type: 'string',
    arg: 'DURATION',
    group: 'general',
    help: ['with --reconcile-once: repeat passes until nothing is pending', '(exit 0) or DURATION is up (exit 6), a progress line per pass'],
    doc: 'With `--reconcile-once`: repeat passes while any service is `Pending` (a certificate being validated, a domain queued behind the pacing, a target group without a healthy target), printing a progress line per pass on stderr, until nothing is pending (exit 0) or the time is up (exit 6). At least `1s`. The report printed is the last pass\'s: what earlier passes applied is in the progress lines, not in it.',
  },
  {
    name: 'request-timeout',
    type: 'string',
    arg: 'DURATION',
    group: 'general',
    help: ['one attempt of one AWS call may take this long (default 10s);', 'the SDK retries a timed-out read, never a create whose answer was lost'],
    doc: 'One attempt of one AWS call may wait this long for AWS to start answering, connecting included (connecting alone: 3 s); a body that trickles in after that is bounded by `--pass-timeout`. Default `10s`, at least `100ms`. The SDK retries a timed-out read; a create AWS has no idempotency token for is never sent again (see [failure behaviour](failure-behaviour.md)).',
  },
  {
    name: 'pass-timeout',
    type: 'string',
    arg: 'DURATION',
    group: 'general',
    help: [
      'a pass is abandoned (exit 1, PassTimedOut) after DURATION',
      '(default 5m); the controller\'s /healthz turns 503 when no pass',
      'has read the live state for the interval (+20%) plus this plus',
      'a margin (about 6.7 minutes with the defaults)',
    ],
    doc: 'A pass is abandoned after DURATION: every AWS call it has in flight or queued ends at once, no further write starts, the report\'s error is `PassTimedOut` (exit 1). Default `5m`, at least `1s`. It also sets when the controller\'s [`/healthz`](controller.md#endpoints) answers 503.',
  },
  {
    name: 'interval',
    type: 'string',
    arg: 'DURATION',
    group: 'controller',
    help: ['full pass every DURATION (at least 1s), with +-10% jitter (default 60s)'],
    doc: 'A full pass every DURATION (at least `1s`), with ±10% jitter so several controllers do not beat in step. Default `60s`. After a pass that changed something, a verifying pass follows 2 s later.',
  },
  {
    name: 'source-poll',
    type: 'string',
    arg: 'DURATION',
    group: 'controller',
    help: ['check the source\'s version every DURATION (at least 200ms); a change', 'starts a pass (default 5s)'],
    doc: 'Check the source\'s version every DURATION (at least `200ms`; the parameter version for `ssm:`, the ETag by `HeadObject` for `s3://`, the digest of names and versions for `ssm-path:`, the content hash for a file); a change starts a pass at once. Default `5s`.',
  },
  {
    name: 'port',
    type: 'string',
    arg: 'N',
    group: 'controller',
    help: ['HTTP port for the endpoints and the dashboard (default 8080)'],
    doc: 'The HTTP port of the [endpoints](controller.md#endpoints) and the dashboard. Default 8080.',
  },
  {
    name: 'verify-within',
    type: 'string',
    arg: 'DURATION',
    group: 'controller',
    help: ['read every API\'s integrations, routes and stages at least this', 'often (rolling deep verification; default 10m)'],
    doc: 'Read every API\'s integrations, routes and stages at least this often (rolling deep verification). Default `10m`. See [API budget and rolling verification](detection.md#api-budget-and-rolling-verification).',
  },
  {
    name: 'verify-budget',
    type: 'string',
    arg: 'N',
    group: 'controller',
    help: [
      'share (0.001 to 1) of each AWS service\'s pace background verification may',
      'use (default 0.2: 2 of API Gateway\'s 10 requests per second); for API',
      'Gateway the whole steady-state cost: each pass\'s listings come out',
      'of it first, and passes are spaced out when they alone would take',
      'more than half',
    ],
    doc: 'The share (0.001 to 1) of each paced AWS service\'s rate that background verification may use, and for API Gateway the whole steady-state cost: each scheduled pass\'s listings come out of it first, the rolling deep reads get the rest, and passes are spaced out when the listings alone would take more than half (see [API budget](detection.md#api-budget-and-rolling-verification)). Default `0.2`: 2 of API Gateway\'s 10 requests per second.',
  },
  {
    name: 'notify-webhook',
    type: 'string',
    arg: 'URL',
    group: 'controller',
    help: ['POST a JSON message (with a "text" field, as Slack and Teams incoming', 'webhooks take) when a service\'s status changes'],
    doc: 'POST a JSON message when a service\'s status changes. See [notifications](detection.md#notifications).',
  },
  {
    name: 'notify-repeat',
    type: 'string',
    arg: 'DURATION',
    group: 'controller',
    help: ['announce a drift, conflict or error still open again at most', 'this often (default 1h)'],
    doc: 'Announce a drift, conflict or error still open again at most this often. Default `1h`.',
  },
  {
    name: 'report-url',
    type: 'string',
    arg: 'URL',
    group: 'controller',
    help: ['the dashboard\'s address people can reach, for the messages\' links', '(default http://<hostname>:<port>/)'],
    doc: 'The dashboard\'s address people can reach, for the links in messages. Default `http://<hostname>:<port>/`.',
  },
  {
    name: 'events-queue',
    type: 'string',
    arg: 'URL',
    group: 'controller',
    help: ['long-poll this SQS queue (fed by EventBridge with CloudTrail API', 'calls) for hints: a change to a managed resource is checked at once'],
    doc: 'Long-poll this SQS queue, fed by EventBridge with CloudTrail API calls, for hints: a change to a managed resource is checked at once. See [event hints](detection.md#event-hints).',
  },
  {
    name: 'listener',
    type: 'string',
    arg: 'ARN',
    group: 'import',
    help: ['the shared ALB listener (or take spec.shared from --source; its', 'ssm: references are read and kept)'],
    doc: '`--import`: the shared listener (or take `spec.shared` from `--source`, whose `ssm:` references are kept as written).',
  },
  {
    name: 'header',
    type: 'string',
    arg: 'NAME',
    group: 'import',
    help: ['the routing header (default X-Target-Service)'],
    doc: '`--import`: the routing header. Default `X-Target-Service`.',
  },
  {
    name: 'private-zone',
    type: 'string',
    arg: 'NAME|ID',
    group: 'import',
    help: ['the private hosted zone of the services\' private names'],
    doc: '`--import`: the private hosted zone of the services\' private names.',
  },
  {
    name: 'vpc-link',
    type: 'string',
    arg: 'ID',
    group: 'import',
    help: ['the shared VPC link (default: the one the integrations to the', 'listener use)'],
    doc: '`--import`: the shared VPC link. Default: the one the listener\'s integrations use.',
  },
  {
    name: 'name',
    type: 'string',
    arg: 'NAME',
    group: 'import',
    help: ['metadata.name of the document (default: from the load balancer\'s name)'],
    doc: '`--import`: the document\'s `metadata.name` (the owner tag). Default: from the load balancer\'s name.',
  },
  {
    name: 'manage',
    type: 'string',
    arg: 'full|observe',
    group: 'import',
    help: ['observe: every service gets "manage": "observe" (default full)'],
    doc: '`--import`: `observe` gives every service `"manage": "observe"`. Default `full`.',
  },
  {
    name: 'lease-table',
    type: 'string',
    arg: 'NAME',
    group: 'lease',
    help: ['DynamoDB table (string partition key "id") holding the lease;', 'without it routeyard runs unguarded and says so'],
    doc: 'The DynamoDB table (one string partition key named `id`) holding the [leader lease](controller.md#leader-lease). Used by the controller and by `--reconcile-once` without `--dry-run`. Without it routeyard runs unguarded and logs a warning at start.',
  },
  {
    name: 'lease-name',
    type: 'string',
    arg: 'ID',
    group: 'lease',
    help: ['the lease item\'s id (default routeyard): one controller per account and Region'],
    doc: 'The lease item\'s `id`. Default `routeyard`: one controller per account and Region.',
  },
  {
    name: 'lease-duration',
    type: 'string',
    arg: 'DURATION',
    group: 'lease',
    help: ['lease length (default 15s)'],
    doc: 'How long a lease lasts without renewal. Default `15s`, at least `2s`.',
  },
  {
    name: 'lease-renew',
    type: 'string',
    arg: 'DURATION',
    group: 'lease',
    help: ['renew every DURATION (default 5s)'],
    doc: 'How often the holder renews it. Default `5s`; at most half the duration.',
  },
  {
    name: 'lease-wait',
    type: 'string',
    arg: 'DURATION',
    group: 'lease',
    help: ['--reconcile-once only: wait this long for the lease, then exit 5 (default 60s)'],
    doc: '`--reconcile-once` only: how long to wait for the lease before exiting 5. Default `60s`. A lease table that does not exist ends the wait at once (exit 5, the message says so).',
  },
  {
    name: 'help',
    type: 'boolean',
    short: 'h',
    group: 'help',
    help: ['this text'],
    doc: 'Print the usage text (the flags by group, durations, exit codes) and exit 0.',
  },
] as const satisfies readonly FlagSpec[];

/** The flag as --help and docs/cli.md show it: `-h, --help`, `--source URI`. */
export function flagLabel(flag: FlagSpec): string {
  return `${flag.short ? `-${flag.short}, ` : ''}--${flag.name}${flag.arg ? ` ${flag.arg}` : ''}`;
}

/** One entry of --help: the label in a 24-column field (or followed by two spaces), its lines aligned after it. */
function helpEntry(label: string, lines: readonly string[]): string {
  const [first = '', ...rest] = lines;
  const head = label.length <= 22 ? `  ${label.padEnd(24)}${first}` : `  ${label}  ${first}`;
  return [head, ...rest.map((line) => `${' '.repeat(26)}${line}`)].join('\n');
}

function renderUsage(): string {
  const blocks: string[] = [];
  for (const [group, heading] of Object.entries(FLAG_GROUPS) as [FlagGroup, string][]) {
    const entries = FLAGS.filter((f) => f.group === group).map((f) => helpEntry(flagLabel(f), f.help));
    if (group === 'mode') entries.unshift(helpEntry('(none)', NO_MODE.help));
    // A group without a heading continues the one before it.
    if (heading) blocks.push([heading, ...entries].join('\n'));
    else blocks[blocks.length - 1] += `\n${entries.join('\n')}`;
  }
  return `Usage: routeyard [--reconcile-once | --dry-run | --validate] [options]
       routeyard --import (--listener ARN | --source URI) [import options]

${blocks.join('\n\n')}\n\nDurations: a number and a unit, e.g. 500ms, 30s, 5m, 1h.
AWS settings come from the SDK's environment: AWS_REGION, the credential chain,
AWS_ENDPOINT_URL (for an emulator). Logs are JSON lines on stderr; the report is on stdout.

Exit codes: 0 in sync, converged or pending; 1 runtime error, partial failure, Conflict or Error;
2 drift found under --dry-run; 3 invalid desired state; 4 refused by a safety guard;
5 --reconcile-once could not get the leader lease within --lease-wait;
6 --reconcile-once --wait ran out of time with work still pending.`;
}

export const USAGE = renderUsage();

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

export interface CliResult {
  exitCode: number;
  report?: Report;
  /** --import: the document and what was left out. */
  imported?: ImportResult;
  /** The controller ran and has stopped: the process should exit now (open sockets would keep it alive). */
  stopped?: boolean;
}

/** Builds the AWS side of a run; tests pass one pointed at the emulator. */
export type MakeWiring = (log: Logger, settings: ClientSettings) => Wiring;

interface Config {
  mode: Mode | 'daemon' | 'import';
  import?: Omit<ImportOptions, 'timeoutMs'>;
  output: 'text' | 'json';
  sourceUri: string;
  guards: GuardSettings;
  ruleQuota: number;
  apiGatewayRps: number;
  route53Rps: number;
  domainPaceMs: number;
  waitMs?: number;
  intervalMs: number;
  sourcePollMs: number;
  port: number;
  verifyWithinMs: number;
  verifyBudget: number;
  requestTimeoutMs: number;
  passTimeoutMs: number;
  eventsQueue?: string;
  notifyWebhook?: string;
  notifyRepeatMs: number;
  reportUrl?: string;
  lease?: { table: string; id: string; durationMs: number; renewEveryMs: number; waitMs: number };
}

/**
 * Parse arguments and run: one pass (print the report, return its exit code) or the
 * controller (return when it has stopped). `makeWiring` is injectable so tests drive the
 * real CLI in-process against the emulator.
 */
export async function runCli(argv: string[], io: CliIo, makeWiring?: MakeWiring): Promise<CliResult> {
  let config: Config;
  try {
    config = parseConfig(argv, io);
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.stdout(`${USAGE}\n`);
      return { exitCode: 0 };
    }
    // The error and the usage line, not the whole --help (over 80 lines would bury the error).
    io.stderr(`routeyard: ${(err as Error).message}\n${USAGE.split('\n')[0]}\nrouteyard --help lists every flag; docs/cli.md explains them.\n`);
    return { exitCode: 1 };
  }
  const log = createLogger(io.env.ROUTEYARD_LOG_LEVEL ?? 'info');
  const settings: ClientSettings = {
    apiGatewayRps: config.apiGatewayRps,
    route53Rps: config.route53Rps,
    domainPaceMs: config.domainPaceMs,
    verifyBudget: config.verifyBudget,
    requestTimeoutMs: config.requestTimeoutMs,
  };
  const wiring = makeWiring ? makeWiring(log, settings) : wire(log, settings);
  if (config.mode === 'daemon') return runController(config, wiring, log, makeWiring, settings);
  if (config.mode === 'import') {
    const outcome = await runImport({ ...config.import!, timeoutMs: config.passTimeoutMs }, wiring, io, log);
    return { exitCode: outcome.exitCode, ...(outcome.result ? { imported: outcome.result } : {}) };
  }

  const mode = config.mode;
  const passOpts = { sourceUri: config.sourceUri, mode, ruleQuota: config.ruleQuota, guards: config.guards, timeoutMs: config.passTimeoutMs };
  let report: Report;
  if (mode === 'reconcile' && config.lease) {
    const lease = leaseManager(config.lease, wiring, 'once', log);
    const started = performance.now();
    // The wait is bounded like a pass: a DynamoDB that never answers cannot hold the run.
    const leaseDeadline = AbortSignal.timeout(config.lease.waitMs + config.requestTimeoutMs);
    if (!(await withDeadline(leaseDeadline, () => lease.acquireWithin(config.lease!.waitMs)).catch(() => false))) {
      lease.stop();
      const st = lease.state();
      report = buildReport({
        passId: randomUUID(),
        mode,
        generatedAt: new Date().toISOString(),
        source: { uri: config.sourceUri, version: null },
        error: {
          // Another holder is exit 5; a lease table that cannot be reached is a runtime error (exit 1).
          code: (st.lastError && !lease.missingTable) || leaseDeadline.aborted ? 'LeaseFailed' : 'LeaseUnavailable',
          message: st.lastError || leaseDeadline.aborted
            ? `cannot take the leader lease "${config.lease.id}": ${leaseDeadline.aborted ? `no answer from ${config.lease.table} within ${ms(config.lease.waitMs + config.requestTimeoutMs)} (--lease-wait plus one --request-timeout)` : st.lastError}. No resource was changed.`
            : `the leader lease "${config.lease.id}" in ${config.lease.table} is held by ${st.holder ?? 'another copy'}${st.expiresAt ? ` (until ${st.expiresAt} unless renewed)` : ''}; waited ${ms(config.lease.waitMs)}. No resource was changed (the only writes were the lease's conditional updates). Run again later, or use --dry-run, which needs no lease.`,
          fieldErrors: [],
        },
        durationMs: Math.round(performance.now() - started),
        awsCalls: wiring.pass.counter.snapshot(),
      });
    } else {
      lease.keepRenewing();
      try {
        report = await runPass({ ...passOpts, beforeBatch: () => lease.fence() }, wiring.pass);
      } finally {
        // Releasing is a courtesy (the lease expires anyway): it never holds the exit.
        await withDeadline(AbortSignal.timeout(5_000), () => lease.release()).catch(() => undefined);
      }
    }
  } else {
    if (mode === 'reconcile') log.warn('no --lease-table: running unguarded; a daemon or another run could write at the same time');
    report = await runPass(passOpts, wiring.pass);
  }
  if (mode === 'reconcile' && config.waitMs !== undefined && report.summary.pending > 0 && !report.error) {
    report = await waitForPending(report, config.waitMs, () => runPass(passOpts, wiring.pass), io);
  }
  io.stdout(config.output === 'json' ? renderJson(report) : renderText(report));
  return { exitCode: exitCodeFor(report), report };
}

/** The controller until SIGTERM or SIGINT; exits 0 after a clean shutdown. */
async function runController(config: Config, wiring: Wiring, log: Logger, makeWiring: MakeWiring | undefined, settings: ClientSettings): Promise<CliResult> {
  const metrics = new ControllerMetrics();
  wiring.clients.counter.addListener(metrics);
  // The version checks and the lease get clients of their own, so their calls never
  // count into a pass's report; the metrics still see every call.
  const side = makeWiring ? makeWiring(log, settings) : wire(log, settings, createAwsClients(settings));
  side.clients.counter.addListener(metrics);
  const lease = config.lease
    ? leaseManager(config.lease, side, 'daemon', log)
    : undefined;
  const reportBase = (config.reportUrl ?? `http://${hostname()}:${config.port}/`).replace(/\/?$/, '/');
  const notifier = config.notifyWebhook ? new Notifier({ webhookUrl: config.notifyWebhook, repeatMs: config.notifyRepeatMs, reportBase }, metrics, log) : undefined;
  const controller = new Controller(
    {
      sourceUri: config.sourceUri,
      intervalMs: config.intervalMs,
      sourcePollMs: config.sourcePollMs,
      port: config.port,
      guards: config.guards,
      ruleQuota: config.ruleQuota,
      verification: { windowMs: config.verifyWithinMs, budgetRps: config.apiGatewayRps * config.verifyBudget },
      eventHints: config.eventsQueue !== undefined,
      passTimeoutMs: config.passTimeoutMs,
    },
    { pass: wiring.pass, pollSources: sourceBackends(side.clients), ...(lease ? { lease } : {}), ...(notifier ? { notifier } : {}), metrics, log },
  );
  const port = await controller.start();
  log.info({ url: `http://127.0.0.1:${port}/` }, 'dashboard and endpoints listening');
  let hints: HintListener | undefined;
  if (config.eventsQueue) {
    const region = await side.clients.sqs.config.region();
    hints = new HintListener(
      new EventQueue(side.clients.sqs, config.eventsQueue),
      { account: accountOfQueueUrl(config.eventsQueue)!, region },
      (events) => controller.hint(events),
      metrics,
      log,
    );
    hints.start();
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  // ECS stops a task 30 s after SIGTERM; finish well within that.
  const deadline = setTimeout(() => {
    log.error('shutdown took longer than 25 s: exiting');
    process.exit(0);
  }, 25_000);
  deadline.unref();
  await hints?.stop();
  await controller.stop();
  clearTimeout(deadline);
  return { exitCode: 0, stopped: true };
}

/**
 * `--reconcile-once --wait`: repeat passes while the only unfinished work is Pending (a
 * certificate being validated, a domain queued behind API Gateway's 30 s pacing, a target
 * group without healthy targets), a progress line per pass on stderr, until nothing is
 * pending (exit 0) or the time is up (exit 6).
 */
async function waitForPending(first: Report, waitMs: number, pass: () => Promise<Report>, io: CliIo): Promise<Report> {
  const deadline = Date.now() + waitMs;
  let report = first;
  let n = 1;
  for (;;) {
    const pending = report.services.filter((s) => s.status === 'Pending');
    io.stderr(`routeyard: pass ${n}: ${report.outcome}; ${pending.length} service(s) pending${pending.length ? ` (${pending.map((s) => `${s.name}: ${s.resources.find((r) => r.status === 'Pending')?.message ?? 'pending'}`).join('; ')})` : ''}\n`);
    // Keep going while anything is pending, even beside a Conflict elsewhere: the waiting is for the pending work.
    if (pending.length === 0 || report.error) return report;
    if (Date.now() >= deadline) {
      return { ...report, outcome: 'StillPending', error: { code: 'WaitTimedOut', message: `--wait ${ms(waitMs)} ran out with ${pending.length} service(s) still pending`, fieldErrors: [] } };
    }
    await new Promise((r) => setTimeout(r, Math.min(5_000, Math.max(0, deadline - Date.now()))));
    report = await pass();
    n++;
  }
}

function leaseManager(lease: NonNullable<Config['lease']>, wiring: Wiring, kind: string, log: Logger): LeaseManager {
  return new LeaseManager(wiring.leaseStore(lease.table), { table: lease.table, id: lease.id, holder: holderId(kind), durationMs: lease.durationMs, renewEveryMs: lease.renewEveryMs }, log);
}

function holderId(kind: string): string {
  return `${hostname()}/${process.pid}/${kind}/${randomUUID().slice(0, 8)}`;
}

class HelpRequested extends Error {}

type Flag = (typeof FLAGS)[number];

/** parseArgs' options, made from FLAGS. */
const PARSE_OPTIONS = Object.fromEntries(
  FLAGS.map((f: FlagSpec) => [f.name, f.short ? { type: f.type, short: f.short } : { type: f.type }]),
) as { [F in Flag as F['name']]: { type: F['type']; short?: string } };

function parseConfig(argv: string[], io: CliIo): Config {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: PARSE_OPTIONS,
  });
  if (values.help) throw new HelpRequested();
  const importOptions = importConfig(values, io);
  const mode: Config['mode'] = importOptions ? 'import' : values.validate ? 'validate' : values['dry-run'] ? 'dry-run' : values['reconcile-once'] ? 'reconcile' : 'daemon';
  const output = values.output ?? (importOptions ? 'json' : 'text');
  if (output !== 'text' && output !== 'json') throw usage(`--output must be text or json, not ${JSON.stringify(output)}`);
  if (importOptions && output !== 'json') throw usage('--import writes the document as JSON: --output text does not apply');
  const sourceUri = importOptions ? (importOptions.sourceUri ?? '') : (values.source ?? io.env.ROUTEYARD_SOURCE);
  if (sourceUri) parseSourceUri(sourceUri); // a malformed URI is a usage error, before anything runs
  const leaseDuration = durationOption(values['lease-duration'], '--lease-duration', DEFAULT_LEASE.durationMs, 2_000);
  const leaseRenew = durationOption(values['lease-renew'], '--lease-renew', DEFAULT_LEASE.renewEveryMs, 100);
  if (leaseRenew * 2 > leaseDuration) throw usage('--lease-renew must be at most half of --lease-duration, so a renewal can fail once without losing the lease');
  const config: Config = {
    mode,
    ...(importOptions ? { import: importOptions } : {}),
    output,
    sourceUri: sourceUri ?? '',
    guards: {
      maxDeleteShare: numberOption(values['max-delete-share'], '--max-delete-share', DEFAULT_GUARDS.maxDeleteShare, 0, 1),
      allowMassDelete: values['allow-mass-delete'] ?? false,
    },
    ruleQuota: numberOption(values['rule-quota'], '--rule-quota', 100, 1, 10000, true),
    apiGatewayRps: numberOption(values['apigw-rps'], '--apigw-rps', 10, 0.1, 1000),
    route53Rps: numberOption(values['route53-rps'], '--route53-rps', 5, 0.1, 1000),
    domainPaceMs: durationOption(values['domain-pace'], '--domain-pace', 30_000, 0),
    ...(values.wait !== undefined ? { waitMs: durationOption(values.wait, '--wait', 0, 1000) } : {}),
    intervalMs: durationOption(values.interval, '--interval', 60_000, 1_000),
    sourcePollMs: durationOption(values['source-poll'], '--source-poll', 5_000, 200),
    port: numberOption(values.port, '--port', 8080, 0, 65535, true),
    verifyWithinMs: durationOption(values['verify-within'], '--verify-within', 600_000, 1_000),
    verifyBudget: numberOption(values['verify-budget'], '--verify-budget', 0.2, 0.001, 1),
    requestTimeoutMs: durationOption(values['request-timeout'], '--request-timeout', DEFAULT_REQUEST_TIMEOUT_MS, 100),
    passTimeoutMs: durationOption(values['pass-timeout'], '--pass-timeout', DEFAULT_PASS_TIMEOUT_MS, 1_000),
    ...(values['events-queue'] !== undefined ? { eventsQueue: queueUrlOption(values['events-queue']) } : {}),
    ...(values['notify-webhook'] !== undefined ? { notifyWebhook: httpUrlOption(values['notify-webhook'], '--notify-webhook') } : {}),
    notifyRepeatMs: durationOption(values['notify-repeat'], '--notify-repeat', 3_600_000, 1_000),
    ...(values['report-url'] !== undefined ? { reportUrl: httpUrlOption(values['report-url'], '--report-url') } : {}),
    ...(values['lease-table']
      ? {
          lease: {
            table: values['lease-table'],
            id: values['lease-name'] ?? DEFAULT_LEASE.id,
            durationMs: leaseDuration,
            renewEveryMs: leaseRenew,
            waitMs: durationOption(values['lease-wait'], '--lease-wait', 60_000, 0),
          },
        }
      : {}),
  };
  // After every flag's value is checked: a bad value is the first thing said, not hidden behind the missing source.
  if (!sourceUri && !importOptions) throw usage('no desired state: pass --source URI or set ROUTEYARD_SOURCE');
  return config;
}

/** The listener ARN form (ELBv2 resource types): `...:listener/app/<lb-name>/<lb-id>/<listener-id>`. */
const LISTENER_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{1,64}\/[0-9a-f]{1,64}$/;

type ParsedValues = Record<string, string | boolean | undefined>;

/**
 * --import and its options, checked before anything runs. The import options are refused
 * without --import, and --import is refused beside another mode. With --source, the header,
 * private zone and VPC link come from the document's spec.shared.
 */
function importConfig(values: ParsedValues, io: CliIo): Config['import'] | undefined {
  const only = ['listener', 'header', 'private-zone', 'vpc-link', 'name', 'manage'].filter((k) => values[k] !== undefined);
  if (!values.import) {
    if (only.length > 0) throw usage(`--${only[0]} applies only with --import`);
    return undefined;
  }
  const modes = ['reconcile-once', 'dry-run', 'validate'].filter((k) => values[k]);
  if (modes.length > 0) throw usage(`--import is a mode of its own: it cannot be combined with --${modes[0]}`);
  const str = (k: string) => values[k] as string | undefined;
  const listener = str('listener');
  const source = str('source') ?? (listener ? undefined : io.env.ROUTEYARD_SOURCE);
  if (listener && str('source')) throw usage('--import takes --listener ARN or --source URI (whose spec.shared names the listener), not both');
  if (!listener && !source) throw usage('--import needs --listener ARN, or --source URI whose spec.shared names the listener');
  if (listener && !LISTENER_ARN.test(listener)) throw usage(`--listener must be an Application Load Balancer listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID), not ${JSON.stringify(listener.slice(0, 200))}`);
  if (source) {
    const fromDoc = ['header', 'private-zone', 'vpc-link'].filter((k) => values[k] !== undefined);
    if (fromDoc.length > 0) throw usage(`--${fromDoc[0]} comes from the document's spec.shared with --source; leave it out, or use --listener instead`);
  }
  const header = str('header');
  if (header !== undefined) {
    const parsed = HeaderName.safeParse(header);
    if (!parsed.success) throw usage(`--header ${JSON.stringify(header.slice(0, 60))}: ${parsed.error.issues[0]?.message ?? 'is not a header name'}`);
  }
  const name = str('name');
  if (name !== undefined && !RouteSet.shape.metadata.shape.name.safeParse(name).success) {
    throw usage(`--name must be a lowercase DNS label (letters, digits and hyphens, at most 63 characters), not ${JSON.stringify(name.slice(0, 80))}`);
  }
  const manage = str('manage');
  if (manage !== undefined && manage !== 'full' && manage !== 'observe') throw usage(`--manage must be full or observe, not ${JSON.stringify(manage.slice(0, 40))}`);
  const zone = str('private-zone');
  if (zone !== undefined && !/^[A-Za-z0-9._/-]{1,255}$/.test(zone)) throw usage(`--private-zone must be a hosted zone name or id, not ${JSON.stringify(zone.slice(0, 80))}`);
  const link = str('vpc-link');
  if (link !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(link)) throw usage(`--vpc-link must be a VPC link id, not ${JSON.stringify(link.slice(0, 80))}`);
  return {
    ...(listener ? { listenerArn: listener } : {}),
    ...(source ? { sourceUri: source } : {}),
    ...(header ? { headerName: header } : {}),
    ...(zone ? { privateZone: zone } : {}),
    ...(link ? { vpcLinkId: link } : {}),
    ...(name ? { name } : {}),
    ...(manage ? { manage: manage as 'full' | 'observe' } : {}),
  };
}

function usage(message: string): RouteyardError {
  return new RouteyardError('UsageError', message, { fault: 'user' });
}

function numberOption(raw: string | undefined, name: string, fallback: number, min: number, max: number, integer = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw usage(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return n;
}

function httpUrlOption(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usage(`${name} must be an http(s) URL, not ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usage(`${name} must be an http(s) URL, not ${JSON.stringify(raw)}`);
  return raw;
}

/** An SQS queue URL: https://sqs.<region>.amazonaws.com/<account>/<name> (any host, for an emulator). */
function queueUrlOption(raw: string): string {
  const why = `--events-queue must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), not ${JSON.stringify(raw)}`;
  try {
    httpUrlOption(raw, '--events-queue');
  } catch {
    throw usage(why);
  }
  if (!accountOfQueueUrl(raw)) throw usage(why);
  return raw;
}

/** A duration with a unit (`500ms`, `30s`, `5m`, `1h`), parsed by `ms`. */
export function durationOption(raw: string | undefined, name: string, fallback: number, minMs: number): number {
  if (raw === undefined) return fallback;
  const n = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i.test(raw) ? ms(raw as ms.StringValue) : undefined;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw usage(`${name} must be a duration with a unit, such as 30s or 5m, not ${JSON.stringify(raw)}`);
  if (n < minMs) throw usage(`${name} must be at least ${ms(minMs)}, not ${JSON.stringify(raw)}`);
  return capDuration(name, raw, n);
}
