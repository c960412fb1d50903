import { buildDesiredState } from '../../src/desired/resolve.ts';
import { validateObject } from '../../src/desired/validate.ts';
import type { DesiredState } from '../../src/model/desired.ts';
import type { ObservedApi, ObservedRule, ObservedState, ObservedTargetGroup } from '../../src/model/observed.ts';
import type { DriftResponse, ServiceReport } from '../../src/model/report-contract.ts';
import { ownershipTags } from '../../src/model/tags.ts';

/** Builders for planner unit tests: plain data, no AWS. */
export const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/abc/def';
export const VPC_LINK = 'vl-123';
export const VPC = 'vpc-123';
export const OWNER = 'acmecorp-qa';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function desiredFrom(services: any[], shared: Record<string, unknown> = {}): DesiredState {
  const doc = validateObject({
    apiVersion: 'routeyard/v1',
    kind: 'RouteSet',
    metadata: { name: OWNER },
    spec: { shared: { listenerArn: LISTENER, vpcLinkId: VPC_LINK, vpcId: VPC, ...shared }, services },
  });
  const values = Object.fromEntries(Object.entries(shared).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return buildDesiredState(doc, { listenerArn: LISTENER, vpcLinkId: VPC_LINK, vpcId: VPC, ...values });
}

export function svc(name: string, extra: Record<string, unknown> = {}) {
  return { name, headerValue: name, targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } }, ...extra };
}

export const LOAD_BALANCER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/abc';

/** An empty account: the shared listener alone on its load balancer. */
export function emptyObserved(): ObservedState {
  return { listenerArn: LISTENER, loadBalancer: { arn: LOAD_BALANCER, listenerCount: 1, ruleCount: 0, attachedTargetGroupArns: [] }, rules: [], targetGroups: [], apis: [] };
}

/** Keep the load balancer's counts true to the rules in the snapshot (as the observer does). */
export function withLoadBalancerCounts(observed: ObservedState, otherListenerRules = 0, otherAttached: string[] = []): ObservedState {
  const attached = new Set([...otherAttached, ...observed.rules.flatMap((r) => r.forward.map((t) => t.arn))]);
  observed.loadBalancer = { ...observed.loadBalancer, ruleCount: observed.rules.length + otherListenerRules, attachedTargetGroupArns: [...attached].sort() };
  return observed;
}

export function rule(arn: string, priority: number, headerValue: string, tg: string, tags: Record<string, string> = {}): ObservedRule {
  return {
    arn,
    priority,
    headerConditions: [{ name: 'X-Target-Service', values: [headerValue] }],
    otherConditions: [],
    actionTypes: ['forward'],
    targetGroupArns: [tg],
    forward: [{ arn: tg, weight: 1 }],
    transforms: [],
    tags,
  };
}

export function ownedRule(service: string, priority: number, tg: string, owner = OWNER): ObservedRule {
  return rule(`arn:rule/${service}`, priority, service, tg, ownershipTags(owner, service));
}

export function targetGroup(name: string, tags?: Record<string, string>, extra: Partial<ObservedTargetGroup> = {}): ObservedTargetGroup {
  return { arn: `arn:tg/${name}`, name, port: 8000, protocol: 'HTTP', targetType: 'ip', vpcId: VPC, healthCheck: { path: '/healthz' }, ...(tags ? { tags } : {}), ...extra };
}

/** The observed state that matches `desired` exactly (what a converged account holds). */
export function convergedObserved(desired: DesiredState, priorities: Record<string, number>): ObservedState {
  const observed = emptyObserved();
  for (const s of desired.services) {
    let tgArn: string;
    if (s.targetGroup.kind === 'managed') {
      const tg = targetGroup(s.targetGroup.name, ownershipTags(desired.owner, s.name), { port: s.targetGroup.port, healthCheck: { ...s.targetGroup.healthCheck } });
      observed.targetGroups.push(tg);
      tgArn = tg.arn;
    } else tgArn = s.targetGroup.arn;
    observed.rules.push(ownedRule(s.name, s.priority ?? priorities[s.name]!, tgArn, desired.owner));
    if (s.api) {
      const api: ObservedApi = {
        id: `api-${s.name}`,
        name: s.api.name,
        protocolType: 'HTTP',
        ...(s.api.description ? { description: s.api.description } : {}),
        ...(s.api.cors ? { cors: { ...s.api.cors } } : {}),
        tags: ownershipTags(desired.owner, s.name),
        children: {
          readable: true,
          integrations: [
            {
              id: `int-${s.name}`,
              integrationType: 'HTTP_PROXY',
              connectionType: 'VPC_LINK',
              connectionId: desired.vpcLinkId,
              integrationUri: desired.listenerArn,
              integrationMethod: 'ANY',
              payloadFormatVersion: s.api.payloadFormatVersion,
              requestParameters: { [`overwrite:header.${desired.headerName}`]: s.headerValue },
            },
          ],
          routes: s.api.routes.map((k, i) => ({ id: `route-${s.name}-${i}`, routeKey: k, target: `integrations/int-${s.name}` })),
          stages: [
            {
              name: '$default',
              autoDeploy: true,
              detailedMetricsEnabled: s.api.stage.detailedMetrics,
              ...(s.api.stage.throttling ? { throttlingRateLimit: s.api.stage.throttling.rateLimit, throttlingBurstLimit: s.api.stage.throttling.burstLimit } : {}),
              ...(s.api.stage.accessLog ? { accessLog: { ...s.api.stage.accessLog } } : {}),
            },
          ],
        },
      };
      observed.apis.push(api);
    }
  }
  return withLoadBalancerCounts(observed);
}

/**
 * A /drift answer for the renderers' unit tests (text, dashboard, metrics): the summary counts
 * the given services by status; `extra` overrides any field.
 */
export function driftResponse(services: ServiceReport[], extra: Partial<DriftResponse> = {}): DriftResponse {
  const count = (st: ServiceReport['status']) => services.filter((s) => s.status === st).length;
  return {
    generatedAt: '2026-11-30T12:00:00.000Z',
    passId: 'p',
    mode: 'reconcile',
    outcome: 'DriftFound',
    source: { uri: 'file:x.json', version: 'v' },
    summary: { services: services.length, inSync: count('InSync'), drifted: count('Drifted'), missing: 0, orphaned: 0, pending: count('Pending'), conflicts: count('Conflict'), errors: count('Error'), actions: 0, applied: 0, failed: 0, skipped: 0 },
    services,
    actions: [],
    stats: { durationMs: 1, awsCalls: { total: 0, mutating: 0, throttled: 0, retries: 0, lostAnswers: 0, byService: {}, byOperation: {} } },
    ageSeconds: 1,
    ...extra,
  };
}
