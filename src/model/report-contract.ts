import { z } from 'zod';

/**
 * The drift report contract: what `--output json` prints and `GET /drift` serves. One zod
 * definition gives the TypeScript types the code builds, and the JSON Schema inside the
 * committed OpenAPI document (schema/openapi.json, see run/openapi.ts). Fields may be
 * added; none are renamed.
 */

export const Status = z
  .enum(['InSync', 'Drifted', 'Missing', 'Orphaned', 'Pending', 'Conflict', 'Error'])
  .describe(
    'InSync; Drifted (exists, differs); Missing (declared, absent); Orphaned (owned, no longer declared); Pending (waiting on something outside routeyard); Conflict (a resource routeyard does not own is in the way); Error.',
  );
export type Status = z.infer<typeof Status>;

export const ResourceKind = z
  .enum(['targetGroup', 'listenerRule', 'httpApi', 'integration', 'route', 'stage', 'httpApiChildren', 'certificate', 'customDomain', 'apiMapping', 'dnsRecord', 'parameter'])
  .describe(
    'httpApiChildren: an API whose integrations, routes and stages the controller did not re-read this pass (rolling verification). parameter: a published output (SSM parameter under spec.shared.outputsPrefix).',
  );
export type ResourceKind = z.infer<typeof ResourceKind>;

export const Diff = z.object({
  path: z.string(),
  desired: z.unknown().describe('null when absent on that side'),
  live: z.unknown().describe('null when absent on that side'),
});
export type Diff = z.infer<typeof Diff>;

const Timestamp = z.string().describe('ISO 8601 time');

export const ResourceReport = z.object({
  kind: ResourceKind,
  id: z.string(),
  status: Status,
  diffs: z.array(Diff),
  message: z.string().optional(),
  warning: z.string().optional().describe('Something that will break unless someone acts (a certificate in use that expires within 14 days and is not being renewed).'),
  since: Timestamp.nullable().optional().describe('When the current status began (the daemon remembers it; null when unknown).'),
  lastVerifiedAt: Timestamp.nullable().optional().describe('When routeyard last read this resource from AWS.'),
  readThisPass: z
    .boolean()
    .optional()
    .describe('false: not re-read this pass (rolling verification); its status is as last verified, at lastVerifiedAt. Absent: read this pass.'),
});
export type ResourceReport = z.infer<typeof ResourceReport>;

export const OutputKey = z.enum(['target-group-arn', 'alternate-target-group-arn', 'production-rule-arn', 'test-rule-arn', 'api-id', 'api-endpoint', 'domain-target']);
export type OutputKey = z.infer<typeof OutputKey>;

export const ServiceReport = z.object({
  name: z.string(),
  status: Status,
  manage: z.literal('observe').optional().describe('Set when the service has manage: observe: read and reported, never written.'),
  loadBalancer: z
    .string()
    .optional()
    .describe('The shard of spec.shared.loadBalancers the service lives on (or is moving to); set when the document lists several load balancers or pins the service.'),
  movingFrom: z.string().optional().describe('While the service moves to loadBalancer: the shard it is leaving, which keeps its traffic until the new side has a healthy target.'),
  resources: z.array(ResourceReport),
  outputs: z
    .partialRecord(OutputKey, z.string())
    .optional()
    .describe(
      'What the service publishes (under spec.shared.outputsPrefix when set): ARNs, ids and the domain target, as they are after this pass ("(created by this plan)" in a dry run). A key is absent while what it describes does not exist.',
    ),
  since: Timestamp.nullable().optional(),
  lastVerifiedAt: Timestamp.nullable().optional(),
  backoff: z
    .object({ failures: z.number().int(), nextRetryAt: Timestamp })
    .optional()
    .describe('Set while the daemon holds back this service after repeated failures.'),
});
export type ServiceReport = z.infer<typeof ServiceReport>;

export const ReportAction = z.object({
  op: z.enum(['create', 'update', 'replace', 'delete']),
  kind: ResourceKind,
  service: z.string(),
  id: z.string(),
  reason: z.string(),
  diffs: z.array(Diff),
  result: z
    .enum(['applied', 'failed', 'skipped', 'pending', 'planned', 'observe'])
    .optional()
    .describe(
      'pending: AWS asked to wait (a certificate API Gateway has not released yet); the next pass tries again. Not a failure. observe: the service has manage: observe; what would be done, never applied.',
    ),
  error: z.string().optional(),
});
export type ReportAction = z.infer<typeof ReportAction>;

export const CallStats = z.object({
  total: z.number().int(),
  mutating: z.number().int(),
  throttled: z.number().int().describe('Attempts AWS answered with a throttling error.'),
  retries: z.number().int().describe('Extra attempts the SDK made.'),
  lostAnswers: z
    .number()
    .int()
    .describe('Non-idempotent creates whose answer was lost (reset, timeout, 5xx): never sent again; the adapter re-read what exists.'),
  byService: z.record(z.string(), z.number().int()),
  byOperation: z.record(z.string(), z.number().int()),
});
export type CallStats = z.infer<typeof CallStats>;

export const FieldErrorSchema = z.object({ path: z.string(), message: z.string() });

export const ErrorReport = z.object({
  code: z.string(),
  message: z.string(),
  fieldErrors: z.array(FieldErrorSchema),
  fault: z.enum(['user', 'aws', 'tool']).optional().describe('Who can fix it: user (the document, a flag, a permission), aws (AWS failed or did not answer), tool (a bug in routeyard).'),
});
export type ErrorReport = z.infer<typeof ErrorReport>;

export const Mode = z.enum(['reconcile', 'dry-run', 'validate']);
export type Mode = z.infer<typeof Mode>;

export const Outcome = z
  .enum(['InSync', 'Converged', 'Pending', 'DriftFound', 'Failed', 'Refused', 'Invalid', 'Valid', 'NotLeader', 'StillPending'])
  .describe('Maps one-to-one onto the exit code: InSync, Converged, Pending, Valid 0; Failed 1; DriftFound 2; Invalid 3; Refused 4; NotLeader 5; StillPending 6 (--wait ran out).');
export type Outcome = z.infer<typeof Outcome>;

export const PassRecord = z.object({
  passId: z.string(),
  at: Timestamp,
  mode: Mode,
  outcome: Outcome,
  durationMs: z.number().int(),
  awsCalls: z.number().int(),
  mutatingCalls: z.number().int(),
  actionsApplied: z.number().int(),
  trigger: z.string().optional().describe('interval, source-change, start, retry, ...'),
});
export type PassRecord = z.infer<typeof PassRecord>;

export const LeaseState = z.object({
  enabled: z.boolean().describe('false when no --lease-table was given (unguarded)'),
  table: z.string().nullable(),
  held: z.boolean(),
  holder: z.string().nullable().describe('Who leads now, as the lease item says.'),
  self: z.string(),
  fencingToken: z.number().int().nullable(),
  expiresAt: Timestamp.nullable(),
  lastError: z.string().optional().describe('The last lease call that failed (a missing table, access denied, ...), while it keeps failing.'),
});
export type LeaseState = z.infer<typeof LeaseState>;

export const Report = z.object({
  generatedAt: Timestamp,
  passId: z.string(),
  mode: Mode,
  outcome: Outcome,
  source: z.object({ uri: z.string(), version: z.string().nullable() }),
  summary: z.object({
    services: z.number().int(),
    inSync: z.number().int(),
    drifted: z.number().int(),
    missing: z.number().int(),
    orphaned: z.number().int(),
    pending: z.number().int(),
    conflicts: z.number().int(),
    errors: z.number().int(),
    actions: z.number().int(),
    applied: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
  }),
  services: z.array(ServiceReport),
  actions: z.array(ReportAction),
  error: ErrorReport.optional(),
  loadBalancers: z
    .array(
      z.object({
        name: z.string().describe('The shard\'s name (spec.shared.loadBalancers[].name; "default" for spec.shared.listenerArn); a departed one is named by its listener ARN.'),
        listenerArn: z.string(),
        departed: z.literal(true).optional().describe('No longer in the document: its services are moving away.'),
        rules: z.number().int().describe('Non-default rules on every listener of the ALB, foreign ones included, as read this pass.'),
        ruleQuota: z.number().int().optional(),
        targetGroups: z.number().int().describe('Target groups attached to the ALB.'),
        targetGroupQuota: z.number().int(),
        services: z.number().int().describe('Services of the document on it (a moving service counts where it goes).'),
      }),
    )
    .optional()
    .describe('How full each ALB is: add one to spec.shared.loadBalancers before they fill.'),
  stats: z.object({
    durationMs: z.number().int(),
    awsCalls: CallStats,
    ignoredRegistryEntries: z
      .number()
      .int()
      .optional()
      .describe('TXT records that look like routeyard registry entries of this RouteSet under a name routeyard never writes: ignored, never acted on.'),
  }),
  sourceError: ErrorReport.optional().describe(
    'The daemon only: the source is unreadable, empty or invalid; the report is against the last valid document and nothing is applied until it is fixed.',
  ),
  lease: LeaseState.optional(),
  verification: z
    .object({
      windowSeconds: z.number().describe('--verify-within: every API is deep-verified at least this often.'),
      budgetRps: z
        .number()
        .describe(
          "Background calls per second this verification spends: the verify budget (--verify-budget of API Gateway's pace) less the API Gateway listings of scheduled passes, shared with the custom domains' mapping checks in proportion to what each needs.",
        ),
      resources: z.number().int().describe('APIs under rolling verification.'),
      callsPerResource: z.number().int(),
      achievableWindowSeconds: z.number().describe('The shortest window the budget can keep for this many APIs.'),
      sufficient: z.boolean().describe('false: the budget cannot cover windowSeconds; achievableWindowSeconds is what it keeps.'),
      oldestVerifiedAt: Timestamp.nullable(),
    })
    .optional()
    .describe('The daemon only: rolling deep verification.'),
  recentPasses: z.array(PassRecord).optional().describe('The last passes, newest first (the daemon keeps 50; the CLI lists its one pass).'),
});
export type Report = z.infer<typeof Report>;

/** `GET /drift`: the report of the latest pass, plus how old it is. */
export const DriftResponse = Report.extend({
  ageSeconds: z.number().describe('Seconds since the report was generated.'),
});
export type DriftResponse = z.infer<typeof DriftResponse>;

export const ApiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof ApiError>;
