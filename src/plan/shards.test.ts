import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OWNER, VPC, VPC_LINK, rule, svc, targetGroup } from '../../test/unit/builders.ts';
import { buildDesiredState } from '../desired/resolve.ts';
import { validateObject } from '../desired/validate.ts';
import type { DesiredState } from '../model/desired.ts';
import { targetGroupName } from '../model/names.ts';
import type { ObservedApi, ObservedListener, ObservedRule, ObservedState, ObservedTargetGroup, TargetHealthSummary } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { aliasTargetMismatch } from './placement.ts';
import { plan } from './planner.ts';

// Several load balancers (spec.shared.loadBalancers): placement, quotas per ALB, moves.
const L = (n: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/${n}/lb${n}/l${n}`;
const LB = (n: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/${n}/lb${n}`;
const DNS = (n: string) => `internal-${n}-1.eu-west-1.elb.amazonaws.com`;
const ZONE = 'Z32O12XQLNTSW2';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function desired(services: any[], shards: { name: string; ruleQuota?: number }[] = [{ name: 'a' }, { name: 'b' }], extra: Record<string, unknown> = {}): DesiredState {
  const loadBalancers = shards.map((s) => ({ ...s, listenerArn: L(s.name), albDnsName: DNS(s.name), albHostedZoneId: ZONE }));
  const doc = validateObject({ apiVersion: 'routeyard/v1', kind: 'RouteSet', metadata: { name: OWNER }, spec: { shared: { loadBalancers, vpcLinkId: VPC_LINK, vpcId: VPC, ...extra }, services } });
  const strings = Object.fromEntries(Object.entries(extra).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return buildDesiredState(doc, { vpcLinkId: VPC_LINK, vpcId: VPC, ...strings }, 100, loadBalancers);
}

interface Live {
  rules: ObservedRule[];
  groups: ObservedTargetGroup[];
  apis?: ObservedApi[];
  /** Foreign rules or attached groups the ALB holds besides these. */
  extraRules?: Record<string, number>;
  departed?: string[];
}

function observed(shards: string[], live: Live): ObservedState {
  const listener = (n: string, departed = false): ObservedListener => {
    const rules = live.rules.filter((r) => r.listenerArn === L(n));
    const attached = [...new Set(rules.flatMap((r) => r.forward.map((t) => t.arn)))].sort();
    return { listenerArn: L(n), loadBalancer: { arn: LB(n), listenerCount: 1, ruleCount: rules.length + (live.extraRules?.[n] ?? 0), attachedTargetGroupArns: attached }, ...(departed ? { departed: true } : {}) };
  };
  const [first, ...more] = [...shards.map((n) => listener(n)), ...(live.departed ?? []).map((n) => listener(n, true))];
  return { listenerArn: first!.listenerArn, loadBalancer: first!.loadBalancer, ...(more.length > 0 ? { moreListeners: more } : {}), rules: live.rules, targetGroups: live.groups, apis: live.apis ?? [] };
}

const groupName = (d: DesiredState, service: string, role: 'primary' | 'moved' = 'primary') => {
  const tg = d.services.find((s) => s.name === service)!.targetGroup;
  if (tg.kind !== 'managed') throw new Error('managed only');
  return targetGroupName(OWNER, service, tg, role);
};

function group(name: string, service: string, shard: string | undefined, health?: TargetHealthSummary): ObservedTargetGroup {
  return targetGroup(name, ownershipTags(OWNER, service), { ...(shard ? { loadBalancerArns: [LB(shard)] } : { loadBalancerArns: [] }), ...(health ? { health } : {}) });
}

function ownedRule(service: string, shard: string, priority: number, tgArn: string): ObservedRule {
  return { ...rule(`${L(shard).replace(':listener/', ':listener-rule/')}/${service}`, priority, service, tgArn, ownershipTags(OWNER, service)), listenerArn: L(shard) };
}

/** A converged service on a shard: its group and rule. */
function living(d: DesiredState, service: string, shard: string, priority: number, health?: TargetHealthSummary): { rule: ObservedRule; group: ObservedTargetGroup } {
  const g = group(groupName(d, service), service, shard, health);
  return { group: g, rule: ownedRule(service, shard, priority, g.arn) };
}

function liveApi(d: DesiredState, service: string, listener: string): ObservedApi {
  const s = d.services.find((x) => x.name === service)!;
  return {
    id: `api-${service}`,
    name: s.api!.name,
    protocolType: 'HTTP',
    tags: ownershipTags(OWNER, service),
    children: {
      readable: true,
      integrations: [{ id: `int-${service}`, integrationType: 'HTTP_PROXY', connectionType: 'VPC_LINK', connectionId: VPC_LINK, integrationUri: listener, integrationMethod: 'ANY', payloadFormatVersion: '1.0', requestParameters: { 'overwrite:header.X-Target-Service': service } }],
      routes: [{ id: `route-${service}`, routeKey: '$default', target: `integrations/int-${service}` }],
      stages: [{ name: '$default', autoDeploy: true, detailedMetricsEnabled: false }],
    },
  };
}

const healthy = (n: number): TargetHealthSummary => ({ readable: true, healthy: n, registered: n, states: n > 0 ? { healthy: n } : {} });
const creates = (p: ReturnType<typeof plan>) => p.actions.filter((a) => a.payload.type === 'createRule').map((a) => [a.service, a.payload.type === 'createRule' ? a.payload.listenerArn : '']);

describe('several load balancers: placement', () => {
  it('puts a new service on the load balancer with the most room (foreign rules counted) and leaves the services already placed where they are', () => {
    const d = desired([svc('old1', { priority: 1 }), svc('old2', { priority: 2 }), svc('new1'), svc('new2'), svc('new3')]);
    const o1 = living(d, 'old1', 'a', 1);
    const o2 = living(d, 'old2', 'a', 2);
    const p = plan(d, observed(['a', 'b'], { rules: [o1.rule, o2.rule], groups: [o1.group, o2.group], extraRules: { b: 1 } }));
    // a: 2 rules and 2 groups; b: 1 foreign rule, no groups. Room: a min(98, 98)=98, b min(99, 100)=99.
    expect(creates(p)).toEqual([
      ['new1', L('b')],
      ['new2', L('a')],
      ['new3', L('b')],
    ]);
    expect(p.actions.filter((a) => a.service.startsWith('old'))).toEqual([]);
    expect(p.services.find((s) => s.name === 'old1')!.loadBalancer).toBe('a');
    expect(p.services.find((s) => s.name === 'new1')!.loadBalancer).toBe('b');
  });

  it('never moves a placed service when others come or go, even to the emptier load balancer', () => {
    const d = desired([svc('x', { priority: 1 })]);
    const x = living(d, 'x', 'a', 1);
    const p = plan(d, observed(['a', 'b'], { rules: [x.rule], groups: [x.group], extraRules: { a: 90 } }));
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('InSync');
  });

  it('a pinned new service goes to its load balancer whatever the room elsewhere', () => {
    const d = desired([svc('x', { loadBalancer: 'a' })]);
    const p = plan(d, observed(['a', 'b'], { rules: [], groups: [], extraRules: { a: 50 } }));
    expect(creates(p)).toEqual([['x', L('a')]]);
  });

  it('when every load balancer is full, the services that do not fit are an Error naming the way out, and nothing of them is made', () => {
    const d = desired([svc('x', { priority: 1 }), svc('y'), svc('z')], [{ name: 'a', ruleQuota: 2 }, { name: 'b', ruleQuota: 2 }]);
    const x = living(d, 'x', 'a', 1);
    const p = plan(d, observed(['a', 'b'], { rules: [x.rule], groups: [x.group], extraRules: { a: 1, b: 1 } }));
    // a has 0 rules free, b 1: y (first by name) takes it, z does not fit.
    expect(creates(p)).toEqual([['y', L('b')]]);
    const z = p.services.find((s) => s.name === 'z')!;
    expect(z.status).toBe('Error');
    expect(z.resources[0]!.message).toContain('add a load balancer to spec.shared.loadBalancers');
    expect(p.actions.filter((a) => a.service === 'z')).toEqual([]);
  });

  it('counts 100 target groups per load balancer: a shard with 100 attached takes no new service', () => {
    const d = desired([svc('n')]);
    const full = observed(['a', 'b'], { rules: [], groups: [] });
    full.loadBalancer.attachedTargetGroupArns = Array.from({ length: 100 }, (_, i) => `arn:tg/foreign-${i}`);
    expect(creates(plan(d, full))).toEqual([['n', L('b')]]);
  });

  it('a pin naming a load balancer the document does not list is refused at validation', () => {
    expect(() => desired([svc('x', { loadBalancer: 'c' })])).toThrow(/spec\.services\[0\]\.loadBalancer: "c" names no load balancer of spec\.shared\.loadBalancers \("a", "b"\)/);
  });
});

describe('several load balancers: a move never leaves the service without a serving rule', () => {
  const api = { routes: ['$default'] };

  it('pinned to another load balancer: new group (twin name) and rule there, Pending; then the integration once the new group is healthy; then the old rule and group go', () => {
    const d = desired([svc('x', { priority: 7, loadBalancer: 'b', api })]);
    const twin = groupName(d, 'x', 'moved');
    const x = living(d, 'x', 'a', 7, healthy(2));

    // 1. Nothing on b yet: the group and rule are made there; the integration stays on a.
    const p1 = plan(d, observed(['a', 'b'], { rules: [x.rule], groups: [x.group], apis: [liveApi(d, 'x', L('a'))] }));
    expect(p1.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['create targetGroup', 'create listenerRule']);
    expect(p1.actions[0]!.payload).toMatchObject({ type: 'createTargetGroup', name: twin });
    expect(p1.actions[1]!.payload).toMatchObject({ type: 'createRule', listenerArn: L('b'), priority: 7 });
    expect(p1.services[0]!.status).toBe('Pending');
    expect(p1.services[0]!.loadBalancer).toBe('b');

    // 2. Made, no healthy target yet: nothing changes; a keeps the traffic.
    const g2 = group(twin, 'x', 'b', healthy(0));
    const r2 = ownedRule('x', 'b', 7, g2.arn);
    const p2 = plan(d, observed(['a', 'b'], { rules: [x.rule, r2], groups: [x.group, g2], apis: [liveApi(d, 'x', L('a'))] }));
    expect(p2.actions).toEqual([]);
    expect(p2.services[0]!.status).toBe('Pending');
    expect(p2.services[0]!.resources.find((r) => r.id === x.rule.arn)!.message).toContain('waiting for a healthy target');

    // 3. Healthy: the integration moves to b's listener; a's rule and group stay this pass.
    const g3 = { ...g2, health: healthy(1) };
    const p3 = plan(d, observed(['a', 'b'], { rules: [x.rule, r2], groups: [x.group, g3], apis: [liveApi(d, 'x', L('a'))] }));
    expect(p3.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['update integration']);
    expect(p3.actions[0]!.payload).toMatchObject({ spec: { integrationUri: L('b') } });

    // 4. The integration is seen on b: a's rule, then its group, are deleted.
    const p4 = plan(d, observed(['a', 'b'], { rules: [x.rule, r2], groups: [x.group, g3], apis: [liveApi(d, 'x', L('b'))] }));
    expect(p4.actions.map((a) => `${a.op} ${a.kind} ${a.resourceId}`)).toEqual([`delete listenerRule ${x.rule.arn}`, `delete targetGroup ${x.group.arn}`]);

    // 5. Done: in sync on b under the twin name, nothing to do.
    const p5 = plan(d, observed(['a', 'b'], { rules: [{ ...r2 }], groups: [{ ...g3, health: undefined } as ObservedTargetGroup], apis: [liveApi(d, 'x', L('b'))] }));
    expect(p5.actions).toEqual([]);
    expect(p5.services[0]!.status).toBe('InSync');
  });

  it('an old group without a healthy target is left at once (nothing to disrupt)', () => {
    const d = desired([svc('x', { priority: 7, loadBalancer: 'b', api })]);
    const x = living(d, 'x', 'a', 7, healthy(0));
    const g = group(groupName(d, 'x', 'moved'), 'x', 'b', healthy(0));
    const p = plan(d, observed(['a', 'b'], { rules: [x.rule, ownedRule('x', 'b', 7, g.arn)], groups: [x.group, g], apis: [liveApi(d, 'x', L('a'))] }));
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['update integration']);
  });

  it('where the health cannot be read, nothing moves', () => {
    const d = desired([svc('x', { priority: 7, loadBalancer: 'b', api })]);
    const x = living(d, 'x', 'a', 7, { readable: false, error: 'AccessDenied' });
    const g = group(groupName(d, 'x', 'moved'), 'x', 'b', healthy(3));
    const p = plan(d, observed(['a', 'b'], { rules: [x.rule, ownedRule('x', 'b', 7, g.arn)], groups: [x.group, g], apis: [liveApi(d, 'x', L('a'))] }));
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.resources.find((r) => r.id === x.rule.arn)!.message).toContain('AccessDenied');
  });

  it('a shard removed from the document: its services move to the one with room, the same way', () => {
    const d = desired([svc('x', { priority: 7, api })], [{ name: 'b' }]);
    const x = living(d, 'x', 'a', 7, healthy(1));
    const p = plan(d, observed(['b'], { rules: [x.rule], groups: [x.group], apis: [liveApi(d, 'x', L('a'))], departed: ['a'] }));
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['create targetGroup', 'create listenerRule']);
    expect(p.actions[1]!.payload).toMatchObject({ listenerArn: L('b') });
    expect(p.services[0]!.status).toBe('Pending');
  });

  it('the private alias follows the service to its new ALB with the integration', () => {
    const d = desired([svc('x', { priority: 7, loadBalancer: 'b', api, privateDns: { name: 'x' } })], [{ name: 'a' }, { name: 'b' }], { privateHostedZone: 'internal.acmecorp.com' });
    const x = living(d, 'x', 'a', 7, healthy(1));
    const g = group(groupName(d, 'x', 'moved'), 'x', 'b', healthy(1));
    const o = observed(['a', 'b'], { rules: [x.rule, ownedRule('x', 'b', 7, g.arn)], groups: [x.group, g], apis: [liveApi(d, 'x', L('a'))] });
    o.naming = {
      certificates: [],
      domains: [],
      domainCount: 0,
      zones: [{ ref: 'internal.acmecorp.com', private: true, zone: { id: 'ZPRIV', name: 'internal.acmecorp.com', private: true, records: [] } }],
      slots: { create: true, update: true, delete: true },
      region: 'eu-west-1',
    };
    const p = plan(d, o);
    const record = p.actions.find((a) => a.payload.type === 'changeRecord' && a.payload.change.record.type === 'A');
    expect(record?.payload).toMatchObject({ change: { record: { name: 'x.internal.acmecorp.com', alias: { dnsName: DNS('b') } } } });
  });

  it('a service found on two load balancers without a pin stays where its integration points; the other side goes', () => {
    const d = desired([svc('x', { priority: 7, api })]);
    const x = living(d, 'x', 'a', 7, healthy(1));
    const g = group(groupName(d, 'x', 'moved'), 'x', 'b', healthy(1));
    const rb = ownedRule('x', 'b', 7, g.arn);
    const p = plan(d, observed(['a', 'b'], { rules: [x.rule, rb], groups: [x.group, g], apis: [liveApi(d, 'x', L('a'))] }));
    expect(p.actions.map((a) => `${a.op} ${a.kind} ${a.resourceId}`)).toEqual([`delete listenerRule ${rb.arn}`, `delete targetGroup ${g.arn}`]);
    expect(p.services[0]!.loadBalancer).toBe('a');
  });

  it('an ECS-deployment service pinned elsewhere stays, with an Error saying why', () => {
    const d = desired([svc('x', { priority: 7, loadBalancer: 'b', deployment: { strategy: 'ecs' } })]);
    const tg = d.services[0]!.targetGroup;
    if (tg.kind !== 'managed') throw new Error('managed');
    const primary = targetGroup(tg.name, ownershipTags(OWNER, 'x', 'primary'), { loadBalancerArns: [LB('a')] });
    const alternate = targetGroup(tg.alternateName!, ownershipTags(OWNER, 'x', 'alternate'), { loadBalancerArns: [LB('a')] });
    const r = { ...ownedRule('x', 'a', 7, primary.arn), forward: [{ arn: primary.arn, weight: 100 }, { arn: alternate.arn, weight: 0 }].sort((m, n) => m.arn.localeCompare(n.arn)), targetGroupArns: [primary.arn, alternate.arn].sort() };
    const p = plan(d, observed(['a', 'b'], { rules: [r], groups: [primary, alternate] }));
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('Error');
    expect(p.services[0]!.resources.find((x) => x.status === 'Error')!.message).toContain('ECS deployments');
  });
});

describe('several load balancers: placement properties', () => {
  it('adding or removing services never touches a placed service, and no ALB goes over either quota', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 0, maxLength: 60 }),
        fc.array(fc.nat({ max: 40 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 0, max: 30 }),
        (homes, foreign, added, removed) => {
          const shards = ['a', 'b', 'c'];
          const placed = homes.map((h, i) => ({ name: `p${String(i).padStart(3, '0')}`, shard: shards[h]!, priority: i + 1 }));
          const kept = placed.slice(Math.min(removed, placed.length));
          const fresh = Array.from({ length: added }, (_, i) => `n${String(i).padStart(3, '0')}`);
          const d = desired([...kept.map((k) => svc(k.name, { priority: k.priority })), ...fresh.map((n) => svc(n))], shards.map((name) => ({ name, ruleQuota: 100 })));
          const live = placed.map((p, i) => living(desired([svc(p.name, { priority: i + 1 })], shards.map((name) => ({ name }))), p.name, p.shard, i + 1));
          const o = observed(shards, { rules: live.map((l) => l.rule), groups: live.map((l) => l.group), extraRules: Object.fromEntries(shards.map((s, i) => [s, foreign[i]!])) });
          const p = plan(d, o);
          // Placed services that stay: nothing planned for them.
          for (const k of kept) expect(p.actions.filter((a) => a.service === k.name)).toEqual([]);
          // Per ALB: rules after the plan within 100; target groups within 100.
          for (const s of shards) {
            const lb = listenerBalance(o, p, s);
            expect(lb.rules).toBeLessThanOrEqual(100);
            expect(lb.groups).toBeLessThanOrEqual(100);
          }
          // A new service is either placed or an Error that says what to do.
          for (const n of fresh) {
            const sp = p.services.find((x) => x.name === n)!;
            if (sp.status === 'Error') expect(sp.resources[0]!.message).toContain('add a load balancer');
            else expect(p.actions.some((a) => a.service === n && a.payload.type === 'createRule')).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Rules and target groups an ALB holds once the plan is applied (creates in, deletes out). */
function listenerBalance(o: ObservedState, p: ReturnType<typeof plan>, shard: string): { rules: number; groups: number } {
  const lb = [{ listenerArn: o.listenerArn, loadBalancer: o.loadBalancer }, ...(o.moreListeners ?? [])].find((l) => l.listenerArn === L(shard))!.loadBalancer;
  const onShard = new Set(o.rules.filter((r) => r.listenerArn === L(shard)).map((r) => r.arn));
  const created = p.actions.filter((a) => a.payload.type === 'createRule' && a.payload.listenerArn === L(shard));
  const deleted = p.actions.filter((a) => a.payload.type === 'deleteRule' && onShard.has(a.payload.arn));
  return { rules: lb.ruleCount + created.length - deleted.length, groups: lb.attachedTargetGroupArns.length + created.length };
}

describe('several load balancers: where a service lives when its rule is gone, and priorities per listener', () => {
  const api = { routes: ['$default'] };
  const foreignAt = (shard: string, priority: number): ObservedRule => ({ ...ownedRule(`foreign-${priority}`, shard, priority, 'arn:tg/foreign'), tags: {} });

  it('a rule deleted out of band is made again where the service\'s traffic enters, not on the emptier ALB, and its group is kept', () => {
    const d = desired([svc('x', { api })]);
    const x = living(d, 'x', 'a', 1000, healthy(1));
    const p = plan(d, observed(['a', 'b'], { rules: [], groups: [{ ...x.group, loadBalancerArns: [] }], apis: [liveApi(d, 'x', L('a'))], extraRules: { a: 50 } }));
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['create listenerRule']);
    expect(p.actions[0]!.payload).toMatchObject({ listenerArn: L('a'), targetGroupArn: { value: x.group.arn } });
    expect(p.services[0]!.loadBalancer).toBe('a');
  });

  it('...and where its integration was not read this pass, nothing of it is planned until it is', () => {
    const d = desired([svc('x', { api })]);
    const x = living(d, 'x', 'a', 1000, healthy(1));
    const deferred = { ...liveApi(d, 'x', L('a')), children: { readable: false as const, deferred: true as const } };
    const p = plan(d, observed(['a', 'b'], { rules: [], groups: [{ ...x.group, loadBalancerArns: [] }], apis: [deferred], extraRules: { a: 50 } }));
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.status).toBe('Pending');
  });

  it('a moving service whose priority a foreign rule holds on the new ALB gets a new one there; a declared priority held only on another ALB is no conflict', () => {
    const d = desired([svc('x', { loadBalancer: 'b', api }), svc('y', { priority: 5 })]);
    const x = living(d, 'x', 'a', 1000, healthy(1));
    const y = living(d, 'y', 'a', 5);
    const p = plan(d, observed(['a', 'b'], { rules: [x.rule, y.rule, foreignAt('b', 1000), foreignAt('b', 5)], groups: [x.group, y.group], apis: [liveApi(d, 'x', L('a'))] }));
    const create = p.actions.find((a) => a.payload.type === 'createRule')!;
    expect(create.payload).toMatchObject({ listenerArn: L('b') });
    expect(create.payload.type === 'createRule' && create.payload.priority).not.toBe(1000);
    expect(p.services.find((s) => s.name === 'y')!.status).toBe('InSync');
  });
});

describe('aliasTargetMismatch: the document\'s alias target against the listener\'s load balancer', () => {
  const lb = { arn: 'arn:lb/second', dnsName: 'internal-second-1.eu-west-1.elb.amazonaws.com', canonicalHostedZoneId: 'Z32O12XQLNTSW2' };
  it('accepts the name as Route 53 does: any case, with or without dualstack. and the final dot', () => {
    for (const albDnsName of [lb.dnsName, lb.dnsName.toUpperCase(), `dualstack.${lb.dnsName}`, `${lb.dnsName}.`]) {
      expect(aliasTargetMismatch('spec.shared.loadBalancers[1]', { albDnsName, albHostedZoneId: 'Z32O12XQLNTSW2' }, lb), albDnsName).toBeUndefined();
    }
  });
  it("names the field, both values and the way out when the name or the zone is another load balancer's", () => {
    const name = aliasTargetMismatch('spec.shared.loadBalancers[1]', { albDnsName: 'internal-shared-1.eu-west-1.elb.amazonaws.com', albHostedZoneId: lb.canonicalHostedZoneId }, lb)!;
    expect(name).toContain('spec.shared.loadBalancers[1].albDnsName internal-shared-1.eu-west-1.elb.amazonaws.com is not the DNS name');
    expect(name).toContain(`(${lb.dnsName})`);
    expect(name).toContain(`another load balancer; set it to ${lb.dnsName}`);
    const zone = aliasTargetMismatch('spec.shared', { albDnsName: lb.dnsName, albHostedZoneId: 'Z35SXDOTRQ7X7K' }, lb)!;
    expect(zone).toContain('spec.shared.albHostedZoneId Z35SXDOTRQ7X7K is not the canonical hosted zone');
  });
  it('a hostile DNS name from the account (a megabyte, control characters) is quoted in a bounded, one-line message', () => {
    const hostile = { ...lb, dnsName: `evil\n${'x'.repeat(1_000_000)}` };
    const message = aliasTargetMismatch('spec.shared', { albDnsName: lb.dnsName }, hostile)!;
    expect(message.length).toBeLessThan(1_200);
    expect(message).not.toContain('\n');
    expect(message).toContain('(1000005 characters)');
  });

  it('checks nothing it has not read', () => {
    expect(aliasTargetMismatch('spec.shared', { albDnsName: 'anything', albHostedZoneId: 'Z1' }, { arn: 'arn:lb/x' })).toBeUndefined();
  });
});
