import { describe, expect, it } from 'vitest';
import { OWNER, convergedObserved, desiredFrom, svc } from '../../test/unit/builders.ts';
import { registryName, registryValue } from '../model/dns.ts';
import type { ObservedCertificate, ObservedCustomDomain, ObservedNaming, ObservedState } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { plan } from './planner.ts';

/** Planner rules for certificates, custom domains, mappings and records (issue 8). */
const ZONE = { id: 'ZPUBLIC', name: 'acmecorp.com', private: false, records: [] };
const ARN = (id: string, region = 'eu-west-1') => `arn:aws:acm:${region}:123456789012:certificate/${id.padEnd(8, '0')}-1111-2222-3333-444444444444`;

function withNaming(observed: ObservedState, naming: Partial<ObservedNaming> = {}): ObservedState {
  observed.naming = {
    certificates: [],
    domains: [],
    domainCount: 0,
    zones: [{ ref: 'acmecorp.com', private: false, zone: structuredClone(ZONE) }],
    slots: { create: true, update: true, delete: true },
    region: 'eu-west-1',
    ...naming,
  };
  return observed;
}

const domainSvc = (name: string, host: string, certificate = 'auto', priority = 1) => svc(name, { priority, api: {}, domain: { name: host, hostedZone: 'acmecorp.com', certificate } });
const cert = (id: string, names: string[], status = 'ISSUED', extra: Partial<ObservedCertificate> = {}): ObservedCertificate => ({ arn: ARN(id), names, status, validation: [], tags: {}, ...extra });

function setup(services: ReturnType<typeof svc>[], naming: Partial<ObservedNaming> = {}) {
  const desired = desiredFrom(services);
  const bare = desiredFrom(services.map((s) => ({ ...s, domain: undefined })));
  return { desired, observed: withNaming(convergedObserved(bare, {}), naming) };
}

describe('certificates: a certificate that does not fit is an error naming the field, before any call', () => {
  it('a certificate in another Region than the API: a us-east-1 one is for CloudFront', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1', 'us-east-1'))]);
    const p = plan(desired, observed);
    expect(p.actions).toEqual([]);
    expect(p.services[0]!.resources.find((r) => r.kind === 'certificate')).toMatchObject({
      status: 'Error',
      message: 'domain.certificate: a us-east-1 certificate is for CloudFront (edge-optimized); an HTTP API in eu-west-1 needs one from eu-west-1',
    });
    const other = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1', 'eu-central-1'))]);
    expect(plan(other.desired, other.observed).services[0]!.resources.find((r) => r.kind === 'certificate')!.message).toContain('domain.certificate is in eu-central-1');
  });

  it('a certificate of another account (the task role cannot read it) is an Error naming domain.certificate, before any call', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1').replace('123456789012', '210987654321'))]);
    observed.naming!.account = '123456789012';
    const r = plan(desired, observed).services[0]!.resources.find((x) => x.kind === 'certificate');
    expect(r).toMatchObject({ status: 'Error', message: expect.stringContaining('domain.certificate is in account 210987654321') });
  });

  it('a certificate ACM would not let routeyard read (AccessDenied) is that service\'s Error only', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1')), domainSvc('b', 'qa.api.lp.acmecorp.com', ARN('c2'), 2)], {
      certificates: [{ arn: ARN('c1'), names: [], status: 'UNREADABLE', validation: [], readError: 'AccessDeniedException: not authorized' }, cert('c2', ['qa.api.lp.acmecorp.com'])],
    });
    const p = plan(desired, observed);
    expect(p.services.find((s) => s.name === 'a')!.status).toBe('Error');
    expect(p.services.find((s) => s.name === 'a')!.resources.find((r) => r.kind === 'certificate')!.message).toContain('AccessDenied');
    expect(p.actions.some((a) => a.service === 'b' && a.kind === 'customDomain')).toBe(true);
  });

  it('a certificate that does not cover the name (a wildcard covers one label only)', () => {
    const { desired, observed } = setup([domainSvc('a', 'a.b.api.py.acmecorp.com', ARN('c1'))], { certificates: [cert('c1', ['*.api.py.acmecorp.com'])] });
    const r = plan(desired, observed).services[0]!.resources.find((x) => x.kind === 'certificate');
    expect(r).toMatchObject({ status: 'Error', message: expect.stringContaining('does not cover a.b.api.py.acmecorp.com') });
  });

  it('a certificate that failed validation or expired is an Error with ACM\'s reason', () => {
    for (const [status, extra, words] of [
      ['FAILED', { failureReason: 'CAA_ERROR' }, 'FAILED (CAA_ERROR)'],
      ['EXPIRED', { notAfter: '2026-01-01T00:00:00.000Z' }, 'expired 2026-01-01'],
    ] as const) {
      const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1'))], { certificates: [cert('c1', ['qa.api.py.acmecorp.com'], status, extra)] });
      const p = plan(desired, observed);
      expect(p.services[0]!.status).toBe('Error');
      expect(p.services[0]!.resources.find((x) => x.kind === 'certificate')!.message).toContain(words);
      expect(p.actions.some((a) => a.kind === 'customDomain')).toBe(false);
    }
  });

  it('auto: uses an ISSUED certificate that covers the name, preferring one routeyard requested', () => {
    const theirs = cert('c1', ['*.api.py.acmecorp.com']);
    const ours = cert('c2', ['qa.api.py.acmecorp.com'], 'ISSUED', { tags: ownershipTags(OWNER, 'other') });
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], { certificates: [theirs, ours] });
    const create = plan(desired, observed).actions.find((a) => a.payload.type === 'createDomainName')!;
    expect(create.payload).toMatchObject({ certificateArn: ours.arn });
    const { desired: d2, observed: o2 } = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], { certificates: [theirs] });
    expect(plan(d2, o2).actions.find((a) => a.payload.type === 'createDomainName')!.payload).toMatchObject({ certificateArn: theirs.arn });
  });

  it('auto: a certificate still pending validation leaves the service Pending, writes its validation record, and blocks nothing else', () => {
    const pending = cert('c1', ['qa.api.py.acmecorp.com'], 'PENDING_VALIDATION', {
      tags: ownershipTags(OWNER, 'a'),
      validation: [{ name: '_x1.qa.api.py.acmecorp.com', value: '_y1.acm-validations.aws' }],
    });
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com'), domainSvc('b', 'qa.api.lp.acmecorp.com', ARN('c2'), 2)], {
      certificates: [pending, cert('c2', ['qa.api.lp.acmecorp.com'])],
    });
    const p = plan(desired, observed);
    expect(p.services.find((s) => s.name === 'a')!.status).toBe('Pending');
    const a = p.actions.filter((x) => x.service === 'a').map((x) => (x.payload.type === 'changeRecord' ? `${x.payload.change.action} ${x.payload.change.record.name} ${x.payload.change.record.type}` : x.payload.type));
    expect(a.sort()).toEqual(['CREATE _routeyard-cname._x1.qa.api.py.acmecorp.com TXT', 'CREATE _x1.qa.api.py.acmecorp.com CNAME']);
    expect(p.actions.some((x) => x.service === 'b' && x.payload.type === 'createDomainName')).toBe(true);
  });
});

describe('custom domains: API Gateway paces CreateDomainName (one per 30 s per account); the quota is 120 per account', () => {
  it('one create per pass; the others are Pending, queued', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1')), domainSvc('b', 'qa.api.lp.acmecorp.com', ARN('c1'), 2)], {
      certificates: [cert('c1', ['*.api.py.acmecorp.com', '*.api.lp.acmecorp.com'])],
    });
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.payload.type === 'createDomainName').map((a) => a.service)).toEqual(['a']);
    expect(p.services.find((s) => s.name === 'b')!.resources.find((r) => r.kind === 'customDomain')).toMatchObject({ status: 'Pending', message: expect.stringContaining('queued') });
    observed.naming!.slots.create = false;
    expect(plan(desired, observed).actions.some((a) => a.payload.type === 'createDomainName')).toBe(false);
  });

  it('a create beyond the account quota is an Error naming the quota and the count', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1'))], { certificates: [cert('c1', ['qa.api.py.acmecorp.com'])], domainCount: 120 });
    const p = plan(desired, observed);
    expect(p.actions.some((a) => a.payload.type === 'createDomainName')).toBe(false);
    expect(p.services[0]!.resources.find((r) => r.kind === 'customDomain')!.message).toContain('quota of 120 custom domain names (120 there now');
  });

  it('a domain routeyard does not own is a Conflict; one it owns with another certificate or policy is updated', () => {
    const base = { name: 'qa.api.py.acmecorp.com', mappings: { readable: true as const, items: [] } };
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1'))], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'])],
      domains: [{ ...base, certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', tags: {} }],
    });
    expect(plan(desired, observed).services[0]!.resources.find((r) => r.kind === 'customDomain')!.status).toBe('Conflict');
    observed.naming!.domains = [{ ...base, certificateArn: ARN('c9'), securityPolicy: 'TLS_1_0', tags: ownershipTags(OWNER, 'a') }];
    const update = plan(desired, observed).actions.find((a) => a.payload.type === 'updateDomainName')!;
    expect(update.diffs.map((d) => d.path).sort()).toEqual(['customDomain.certificateArn', 'customDomain.securityPolicy']);
  });

  it('a mapping to another API is repaired with UpdateApiMapping', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1'))], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'])],
      domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', tags: ownershipTags(OWNER, 'a'), mappings: { readable: true, items: [{ id: 'm1', apiId: 'other', stage: '$default', key: '' }] } }],
    });
    const update = plan(desired, observed).actions.find((a) => a.payload.type === 'updateApiMapping')!;
    expect(update.diffs).toEqual([{ path: 'apiMapping.apiId', desired: 'api-a', live: 'other' }]);
  });
});

describe('records: the TXT registry decides what routeyard may touch', () => {
  const target = { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD' };
  const live = () =>
    setup([svc('a', { priority: 1, api: {}, domain: { name: 'qa.api.py.acmecorp.com', hostedZone: 'acmecorp.com', certificate: ARN('c1'), ipAddressType: 'dualstack' } })], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'])],
      domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', ipAddressType: 'dualstack', target, tags: ownershipTags(OWNER, 'a'), mappings: { readable: true, items: [{ id: 'm1', apiId: 'api-a', stage: '$default', key: '' }] } }],
    });
  const alias = (name: string, type: string) => ({ name, type, values: [], alias: { ...target, evaluateTargetHealth: false } });
  const entry = (name: string, type: string, owner = OWNER, service = 'a') => ({ name: registryName(name, type), type: 'TXT', ttl: 300, values: [registryValue(owner, service)] });

  it('a record without a registry entry that differs is a Conflict and is never changed', () => {
    const { desired, observed } = live();
    observed.naming!.zones[0]!.zone!.records.push({ name: 'qa.api.py.acmecorp.com', type: 'A', ttl: 60, values: ['192.0.2.1'] });
    const p = plan(desired, observed);
    expect(p.services[0]!.resources.find((r) => r.id === 'qa.api.py.acmecorp.com A')!.status).toBe('Conflict');
    expect(p.actions.some((a) => a.payload.type === 'changeRecord' && a.payload.change.record.name === 'qa.api.py.acmecorp.com' && a.payload.change.record.type === 'A')).toBe(false);
  });

  it('a record whose entry is gone but whose value is exactly ours gets its entry back; an entry whose record is gone gets its record back', () => {
    const { desired, observed } = live();
    const zone = observed.naming!.zones[0]!.zone!;
    zone.records.push(alias('qa.api.py.acmecorp.com', 'A'), entry('qa.api.py.acmecorp.com', 'AAAA'));
    const changes = plan(desired, observed).actions.flatMap((a) => (a.payload.type === 'changeRecord' ? [`${a.payload.change.action} ${a.payload.change.record.name} ${a.payload.change.record.type}`] : []));
    expect(changes.sort()).toEqual(['CREATE _routeyard-a.qa.api.py.acmecorp.com TXT', 'CREATE qa.api.py.acmecorp.com AAAA']);
  });

  it('an entry of another RouteSet is a Conflict', () => {
    const { desired, observed } = live();
    observed.naming!.zones[0]!.zone!.records.push(alias('qa.api.py.acmecorp.com', 'A'), entry('qa.api.py.acmecorp.com', 'A', 'someone-else'));
    expect(plan(desired, observed).services[0]!.resources.find((r) => r.id === 'qa.api.py.acmecorp.com A')!.message).toContain('RouteSet "someone-else"');
  });

  it('a foreign A record at the domain name stops the chain before a certificate or domain is created', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1'))], { certificates: [cert('c1', ['qa.api.py.acmecorp.com'])] });
    observed.naming!.zones[0]!.zone!.records.push({ name: 'qa.api.py.acmecorp.com', type: 'A', ttl: 60, values: ['192.0.2.1'] });
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.service === 'a' && ['createDomainName', 'requestCertificate', 'createApiMapping'].includes(a.payload.type))).toEqual([]);
    expect(p.services[0]!.status).toBe('Conflict');
  });
});

describe('an error never deletes anything: a service whose names cannot be planned keeps every record it has', () => {
  const ours = (svcName: string) => [
    { name: 'qa.api.py.acmecorp.com', type: 'A', values: [], alias: { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD', evaluateTargetHealth: false } },
    { name: registryName('qa.api.py.acmecorp.com', 'A'), type: 'TXT', ttl: 300, values: [registryValue(OWNER, svcName)] },
    { name: '_v1.qa.api.py.acmecorp.com', type: 'CNAME', ttl: 300, values: ['_w1.acm-validations.aws'] },
    { name: registryName('_v1.qa.api.py.acmecorp.com', 'CNAME'), type: 'TXT', ttl: 300, values: [registryValue(OWNER, svcName)] },
  ];
  const deletes = (p: ReturnType<typeof plan>) => p.actions.filter((a) => a.payload.type === 'changeRecord' && a.payload.change.action === 'DELETE' && a.service === 'a');

  it('a hosted zone that cannot be read (a typo in hostedZone) deletes none of the service\'s records in other zones', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {}, domain: { name: 'qa.api.py.acmecorp.com', hostedZone: 'api.py.acmecorp.com', certificate: 'auto' } }), domainSvc('b', 'qa.api.lp.acmecorp.com', ARN('c2'), 2)], {
      certificates: [cert('c2', ['qa.api.lp.acmecorp.com'])],
    });
    observed.naming!.zones.push({ ref: 'api.py.acmecorp.com', private: false, error: 'no public hosted zone named api.py.acmecorp.com' });
    observed.naming!.zones[0]!.zone!.records.push(...ours('a'));
    const p = plan(desired, observed);
    expect(p.services.find((s) => s.name === 'a')!.status).toBe('Error');
    expect(deletes(p)).toEqual([]);
  });

  it('a certificate ARN that does not fit deletes neither the records nor the validation record of the certificate in use', () => {
    const inUse = cert('c1', ['qa.api.py.acmecorp.com'], 'ISSUED', { tags: ownershipTags(OWNER, 'a'), validation: [{ name: '_v1.qa.api.py.acmecorp.com', value: '_w1.acm-validations.aws' }] });
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c9'))], { certificates: [inUse, cert('c9', ['other.acmecorp.com'])] });
    observed.naming!.zones[0]!.zone!.records.push(...ours('a'));
    const p = plan(desired, observed);
    expect(p.services[0]!.status).toBe('Error');
    expect(deletes(p)).toEqual([]);
  });
});

describe('the DNS registry cannot be forged into a delete (issue 14)', () => {
  const ourTarget = { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD' };
  const forged = (name: string, type: string) => ({ name: registryName(name, type), type: 'TXT', ttl: 300, values: [registryValue(OWNER, 'gone')] });
  const recordDeletes = (p: ReturnType<typeof plan>) =>
    p.actions.flatMap((a) => (a.payload.type === 'changeRecord' && a.payload.change.action === 'DELETE' ? [`${a.payload.change.record.name} ${a.payload.change.record.type}`] : []));

  it('a forged registry entry beside a foreign record plans no delete: the record is a Conflict and survives', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })]);
    const zone = observed.naming!.zones[0]!.zone!;
    zone.records.push({ name: 'www.acmecorp.com', type: 'A', ttl: 60, values: ['192.0.2.10'] }, forged('www.acmecorp.com', 'A'));
    zone.records.push({ name: 'shop.acmecorp.com', type: 'A', values: [], alias: { dnsName: 'shop-lb.eu-west-1.elb.amazonaws.com', hostedZoneId: 'Z32O12XQLNTSW2', evaluateTargetHealth: false } }, forged('shop.acmecorp.com', 'A'));
    const p = plan(desired, observed);
    expect(recordDeletes(p)).toEqual([]);
    const gone = p.services.find((s) => s.name === 'gone')!;
    expect(gone.resources.map((r) => [r.id, r.status])).toEqual([
      ['www.acmecorp.com A', 'Conflict'],
      ['shop.acmecorp.com A', 'Conflict'],
    ]);
  });

  it('an entry beside a record that points where routeyard points (its domain, the shared ALB) is routeyard\'s and goes', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })], {
      domains: [{ name: 'old.acmecorp.com', target: ourTarget, tags: ownershipTags(OWNER, 'gone'), mappings: { readable: true, items: [] } }],
      slots: { create: true, update: true, delete: true, unpaced: true },
    });
    const zone = observed.naming!.zones[0]!.zone!;
    zone.records.push({ name: 'old.acmecorp.com', type: 'A', values: [], alias: { ...ourTarget, evaluateTargetHealth: false } }, forged('old.acmecorp.com', 'A'));
    expect(recordDeletes(plan(desired, observed)).sort()).toEqual(['_routeyard-a.old.acmecorp.com TXT', 'old.acmecorp.com A']);
  });

  it('malformed registry names are ignored with a count, never thrown', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })]);
    const zone = observed.naming!.zones[0]!.zone!;
    for (const name of ['_routeyard-', '_routeyard-A1.x.acmecorp.com', '_routeyard-mx.x.acmecorp.com', '_routeyard-a.']) zone.records.push({ name, type: 'TXT', ttl: 300, values: [registryValue(OWNER, 'gone')] });
    zone.records.push({ name: '_routeyard-a.y.acmecorp.com', type: 'TXT', ttl: 300, values: ['"heritage=routeyard,garbage', '"\u0000'.repeat(500)] });
    const p = plan(desired, observed);
    expect(p.ignoredRegistryEntries).toBe(4);
    expect(recordDeletes(p)).toEqual([]);
  });
});

describe('custom domain states and settings AWS has (API Gateway v2 model: DomainNameStatus, RoutingMode, IpAddressType)', () => {
  const target = { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD' };
  const withDomain = (extra: Partial<ObservedCustomDomain>, ipAddressType?: 'dualstack') =>
    setup([svc('a', { priority: 1, api: {}, domain: { name: 'qa.api.py.acmecorp.com', hostedZone: 'acmecorp.com', certificate: ARN('c1'), ...(ipAddressType ? { ipAddressType } : {}) } })], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'])],
      domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', target, tags: ownershipTags(OWNER, 'a'), mappings: { readable: true, items: [{ id: 'm1', apiId: 'api-a', stage: '$default', key: '' }] }, ...extra }],
    });
  const domainActions = (p: ReturnType<typeof plan>) => p.actions.filter((a) => a.kind === 'customDomain');

  it('a domain that is UPDATING is Pending and gets no update (AWS would refuse it and the pacing slot would be spent)', () => {
    const { desired, observed } = withDomain({ status: 'UPDATING', securityPolicy: 'TLS_1_0' });
    const p = plan(desired, observed);
    expect(domainActions(p)).toEqual([]);
    expect(p.services[0]!.resources.find((r) => r.kind === 'customDomain')).toMatchObject({ status: 'Pending', message: expect.stringContaining('UPDATING') });
  });

  it('a routing mode other than API_MAPPING_ONLY is drift on an owned domain', () => {
    const { desired, observed } = withDomain({ routingMode: 'ROUTING_RULE_ONLY' });
    const p = plan(desired, observed);
    expect(domainActions(p)).toHaveLength(1);
    expect(domainActions(p)[0]!.diffs).toContainEqual({ path: 'customDomain.routingMode', desired: 'API_MAPPING_ONLY', live: 'ROUTING_RULE_ONLY' });
  });

  it("an ipv4 domain (AWS's default) gets an A alias only; a dualstack one A and AAAA", () => {
    const records = (p: ReturnType<typeof plan>) => p.actions.flatMap((a) => (a.payload.type === 'changeRecord' && !a.payload.change.record.name.startsWith('_') ? [a.payload.change.record.type] : []));
    const v4 = withDomain({});
    expect(records(plan(v4.desired, v4.observed))).toEqual(['A']);
    const dual = withDomain({ ipAddressType: 'dualstack' }, 'dualstack');
    expect(records(plan(dual.desired, dual.observed)).sort()).toEqual(['A', 'AAAA']);
    const changed = withDomain({}, 'dualstack');
    expect(domainActions(plan(changed.desired, changed.observed))[0]!.diffs).toContainEqual({ path: 'customDomain.ipAddressType', desired: 'dualstack', live: 'ipv4' });
  });
});

describe('certificates routeyard requested are deleted from their own tags, once no domain uses them (ACM ResourceInUse; aws-cdk issue 36265)', () => {
  const ownCert = (id: string, service: string, status = 'ISSUED', names = ['qa.api.py.acmecorp.com']) => cert(id, names, status, { tags: ownershipTags(OWNER, service), type: 'AMAZON_ISSUED' });
  const certActions = (p: ReturnType<typeof plan>) => p.actions.filter((a) => a.kind === 'certificate').map((a) => `${a.op} ${a.resourceId}`);

  it('the pass that deletes a dropped service\'s domain reports its certificate Pending and does not delete it yet', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })], {
      certificates: [ownCert('c1', 'gone')],
      domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), tags: ownershipTags(OWNER, 'gone'), mappings: { readable: true, items: [] } }],
    });
    const p = plan(desired, observed);
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toContain('delete customDomain');
    expect(certActions(p)).toEqual([]);
    expect(p.services.find((s) => s.name === 'gone')!.resources.find((r) => r.kind === 'certificate')).toMatchObject({ status: 'Pending', message: expect.stringContaining('no longer uses it') });
  });

  it('a later pass, the domain gone, deletes the certificate found by its tags alone', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })], { certificates: [ownCert('c1', 'gone')] });
    expect(certActions(plan(desired, observed))).toEqual([`delete ${ARN('c1')}`]);
  });

  it('a certificate a queued domain delete still uses is never deleted before it', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })], {
      certificates: [ownCert('c1', 'gone')],
      domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), tags: ownershipTags(OWNER, 'gone'), mappings: { readable: true, items: [] } }],
      slots: { create: true, update: true, delete: false, nextDeleteAt: '2026-11-30T12:00:00Z' },
    });
    expect(certActions(plan(desired, observed))).toEqual([]);
  });

  it('imported certificates and other RouteSets\' never go', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })], {
      certificates: [cert('c1', ['x.acmecorp.com'], 'ISSUED', { tags: ownershipTags(OWNER, 'gone'), type: 'IMPORTED' }), cert('c2', ['y.acmecorp.com'], 'ISSUED', { tags: ownershipTags('someone-else', 'gone') })],
    });
    expect(certActions(plan(desired, observed))).toEqual([]);
  });
});

describe('dead certificates are replaced (auto)', () => {
  const target = { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD' };
  for (const status of ['FAILED', 'VALIDATION_TIMED_OUT', 'EXPIRED', 'REVOKED', 'INACTIVE']) {
    it(`routeyard's own ${status} certificate: a new one is requested with the reason; the dead one stays while the domain uses it`, () => {
      const dead = cert('c1', ['qa.api.py.acmecorp.com'], status, { tags: ownershipTags(OWNER, 'a'), type: 'AMAZON_ISSUED', ...(status === 'FAILED' ? { failureReason: 'CAA_ERROR' } : {}) });
      const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], {
        certificates: [dead],
        domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', target, tags: ownershipTags(OWNER, 'a'), mappings: { readable: true, items: [{ id: 'm1', apiId: 'api-a', stage: '$default', key: '' }] } }],
      });
      const p = plan(desired, observed);
      const request = p.actions.find((a) => a.payload.type === 'requestCertificate');
      expect(request?.reason).toContain(`is ${status}`);
      if (status === 'FAILED') expect(request?.reason).toContain('CAA_ERROR');
      expect(p.actions.some((a) => a.payload.type === 'deleteCertificate')).toBe(false);
    });
  }

  it('once the new one is ISSUED the domain moves to it, and the dead one goes when no domain uses it', () => {
    const dead = cert('c1', ['qa.api.py.acmecorp.com'], 'EXPIRED', { tags: ownershipTags(OWNER, 'a'), type: 'AMAZON_ISSUED' });
    const fresh = cert('c2', ['qa.api.py.acmecorp.com'], 'ISSUED', { tags: ownershipTags(OWNER, 'a'), type: 'AMAZON_ISSUED' });
    const domain = { name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', target, tags: ownershipTags(OWNER, 'a'), mappings: { readable: true as const, items: [{ id: 'm1', apiId: 'api-a', stage: '$default', key: '' }] } };
    const moving = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], { certificates: [dead, fresh], domains: [domain] });
    const p1 = plan(moving.desired, moving.observed);
    expect(p1.actions.find((a) => a.payload.type === 'updateDomainName')?.payload).toMatchObject({ certificateArn: ARN('c2') });
    expect(p1.actions.some((a) => a.payload.type === 'deleteCertificate')).toBe(false);
    const moved = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], { certificates: [dead, fresh], domains: [{ ...domain, certificateArn: ARN('c2') }] });
    expect(plan(moved.desired, moved.observed).actions.filter((a) => a.payload.type === 'deleteCertificate').map((a) => a.resourceId)).toEqual([ARN('c1')]);
  });
});

describe('a private name may be relative, as CDK\'s record_name is', () => {
  const shared = { privateHostedZone: 'internal.acmecorp.com', albDnsName: 'internal-shared-1.eu-west-1.elb.amazonaws.com', albHostedZoneId: 'Z32O12XQLNTSW2' };
  const privateZone = { ref: 'internal.acmecorp.com', private: true, zone: { id: 'ZPRIVATE', name: 'internal.acmecorp.com', private: true, records: [] } };
  const recordNames = (p: ReturnType<typeof plan>) => p.actions.flatMap((a) => (a.payload.type === 'changeRecord' ? [a.payload.change.record.name] : [])).sort();

  it('"gotenberg" means gotenberg.<private zone>; a full name keeps working; reports show the full name', () => {
    for (const name of ['gotenberg', 'gotenberg.internal.acmecorp.com']) {
      const desired = desiredFrom([svc('gotenberg', { priority: 1, privateDns: { name } })], shared);
      const observed = convergedObserved(desired, {});
      observed.naming = { certificates: [], domains: [], domainCount: 0, zones: [privateZone], slots: { create: true, update: true, delete: true }, region: 'eu-west-1' };
      const p = plan(desired, observed);
      expect(recordNames(p)).toEqual(['_routeyard-a.gotenberg.internal.acmecorp.com', 'gotenberg.internal.acmecorp.com']);
      expect(p.services[0]!.resources.find((r) => r.kind === 'dnsRecord')!.id).toBe('gotenberg.internal.acmecorp.com A');
    }
  });

  it('with the zone given by id, the relative name is completed with the zone\'s name at plan time', () => {
    const desired = desiredFrom([svc('gotenberg', { priority: 1, privateDns: { name: 'gotenberg' } })], { ...shared, privateHostedZone: 'Z0PRIVATE123' });
    const observed = convergedObserved(desired, {});
    observed.naming = { certificates: [], domains: [], domainCount: 0, zones: [{ ...privateZone, ref: 'Z0PRIVATE123' }], slots: { create: true, update: true, delete: true }, region: 'eu-west-1' };
    expect(recordNames(plan(desired, observed))).toEqual(['_routeyard-a.gotenberg.internal.acmecorp.com', 'gotenberg.internal.acmecorp.com']);
  });
});

describe('ACM limits a certificate\'s common name to 64 characters (botocore ACM model, RequestCertificateRequest.DomainName)', () => {
  it('"auto" for a 70-character name requests the parent\'s wildcard as the common name and the name as a subject alternative name', () => {
    const long = `${'x'.repeat(47)}.qa.api.py.acmecorp.com`;
    expect(long.length).toBe(70);
    const { desired, observed } = setup([domainSvc('a', long)]);
    const request = plan(desired, observed).actions.find((a) => a.payload.type === 'requestCertificate')!;
    expect(request.payload).toMatchObject({ name: '*.qa.api.py.acmecorp.com', subjectAlternativeNames: ['*.qa.api.py.acmecorp.com', long] });
    expect((request.payload as { name: string }).name.length).toBeLessThanOrEqual(64);
  });

  it('a name of 64 characters or fewer is requested as it is', () => {
    const { desired, observed } = setup([domainSvc('a', 'qa.api.py.acmecorp.com')]);
    expect(plan(desired, observed).actions.find((a) => a.payload.type === 'requestCertificate')!.payload).toEqual({
      type: 'requestCertificate',
      name: 'qa.api.py.acmecorp.com',
      tags: ownershipTags(OWNER, 'a'),
    });
  });
});

describe('a certificate in use that expires within 14 days and is not being renewed is a warning', () => {
  const target = { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD' };
  const withCert = (extra: Partial<ObservedCertificate>) => {
    const s = setup([domainSvc('a', 'qa.api.py.acmecorp.com', ARN('c1'))], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'], 'ISSUED', { notAfter: '2026-12-10T00:00:00.000Z', ...extra })],
      domains: [{ name: 'qa.api.py.acmecorp.com', certificateArn: ARN('c1'), securityPolicy: 'TLS_1_2', target, tags: ownershipTags(OWNER, 'a'), mappings: { readable: true, items: [{ id: 'm1', apiId: 'api-a', stage: '$default', key: '' }] } }],
      observedAt: '2026-11-30T00:00:00.000Z',
    });
    return plan(s.desired, s.observed).services[0]!.resources.find((r) => r.kind === 'certificate')!;
  };

  it('imported, or ineligible, or with a failed renewal: warned with the days left and why', () => {
    expect(withCert({ type: 'IMPORTED' }).warning).toMatch(/in 10 day\(s\).*imported/);
    expect(withCert({ type: 'AMAZON_ISSUED', renewalEligibility: 'INELIGIBLE' }).warning).toMatch(/not eligible for managed renewal/);
    expect(withCert({ type: 'AMAZON_ISSUED', renewalStatus: 'FAILED' }).warning).toMatch(/renewal failed/);
  });

  it('one ACM is renewing, or one with more than 14 days left: no warning', () => {
    expect(withCert({ type: 'AMAZON_ISSUED', renewalEligibility: 'ELIGIBLE', renewalStatus: 'PENDING_AUTO_RENEWAL' }).warning).toBeUndefined();
    expect(withCert({ type: 'IMPORTED', notAfter: '2027-06-01T00:00:00.000Z' }).warning).toBeUndefined();
  });
});

describe('review fixes (issue 15)', () => {
  const target = { dnsName: 'd-1.execute-api.eu-west-1.amazonaws.com', hostedZoneId: 'ZLY8HYME6SFDD' };
  const mapped = (name: string, svcName: string, certArn: string, extra: Partial<ObservedCustomDomain> = {}): ObservedCustomDomain => ({
    name, certificateArn: certArn, securityPolicy: 'TLS_1_2', target, tags: ownershipTags(OWNER, svcName), mappings: { readable: true, items: [{ id: `m-${svcName}`, apiId: `api-${svcName}`, stage: '$default', key: '' }] }, ...extra,
  });

  it('a dualstack domain AWS still reports as ipv4 (its update queued) gets no AAAA alias yet: Pending', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {}, domain: { name: 'qa.api.py.acmecorp.com', hostedZone: 'acmecorp.com', certificate: ARN('c1'), ipAddressType: 'dualstack' } })], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'])],
      domains: [mapped('qa.api.py.acmecorp.com', 'a', ARN('c1'))],
      slots: { create: true, update: false, delete: true },
    });
    const p = plan(desired, observed);
    expect(p.actions.some((a) => a.payload.type === 'changeRecord' && a.payload.change.record.type === 'AAAA')).toBe(false);
    expect(p.services[0]!.resources.find((r) => r.id === 'qa.api.py.acmecorp.com AAAA')).toMatchObject({ status: 'Pending' });
  });

  it('a wildcard certificate another service of the RouteSet requested: its shared validation record is no Conflict, and the borrower keeps it', () => {
    const wildcard = cert('cw', ['*.svc.acmecorp.com'], 'ISSUED', { tags: ownershipTags(OWNER, 'lone'), type: 'AMAZON_ISSUED', validation: [{ name: '_v.svc.acmecorp.com', value: '_w.acm-validations.aws' }] });
    const records = [
      { name: '_v.svc.acmecorp.com', type: 'CNAME', ttl: 300, values: ['_w.acm-validations.aws'] },
      { name: registryName('_v.svc.acmecorp.com', 'CNAME'), type: 'TXT', ttl: 300, values: [registryValue(OWNER, 'lone')] },
    ];
    // "lone" is gone from the document; "bee" uses its wildcard.
    const { desired, observed } = setup([domainSvc('bee', 'bee.svc.acmecorp.com')], { certificates: [wildcard], domains: [mapped('bee.svc.acmecorp.com', 'bee', ARN('cw'))] });
    observed.naming!.zones[0]!.zone!.records.push(...records);
    const p = plan(desired, observed);
    const deletes = p.actions.filter((a) => a.payload.type === 'changeRecord' && a.payload.change.action === 'DELETE');
    expect(deletes).toEqual([]);
    expect(p.services.find((s) => s.name === 'bee')!.resources.find((r) => r.id === '_v.svc.acmecorp.com CNAME')).toMatchObject({ status: 'InSync', message: expect.stringContaining('shared with service lone') });
  });

  it('a certificate request that FAILED is repeated at most once a day; the failed one is kept meanwhile', () => {
    const failed = (createdAt: string) => cert('c1', ['qa.api.py.acmecorp.com'], 'FAILED', { tags: ownershipTags(OWNER, 'a'), type: 'AMAZON_ISSUED', failureReason: 'CAA_ERROR', createdAt });
    const recent = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], { certificates: [failed('2026-11-29T12:00:00.000Z')], observedAt: '2026-11-30T00:00:00.000Z' });
    const p1 = plan(recent.desired, recent.observed);
    expect(p1.actions.filter((a) => a.kind === 'certificate')).toEqual([]);
    expect(p1.services[0]!.resources.find((r) => r.kind === 'certificate')).toMatchObject({ status: 'Error', message: expect.stringContaining('CAA_ERROR') });
    const old = setup([domainSvc('a', 'qa.api.py.acmecorp.com')], { certificates: [failed('2026-11-28T12:00:00.000Z')], observedAt: '2026-11-30T00:00:00.000Z' });
    expect(plan(old.desired, old.observed).actions.filter((a) => a.kind === 'certificate').map((a) => a.op).sort()).toEqual(['create', 'delete']);
  });

  it('a removed service whose certificate waits for API Gateway is Pending, so --wait and the controller come back for it', () => {
    const { desired, observed } = setup([svc('a', { priority: 1, api: {} })], {
      certificates: [cert('c1', ['qa.api.py.acmecorp.com'], 'ISSUED', { tags: ownershipTags(OWNER, 'gone'), type: 'AMAZON_ISSUED' })],
      domains: [mapped('qa.api.py.acmecorp.com', 'gone', ARN('c1'))],
    });
    expect(plan(desired, observed).services.find((s) => s.name === 'gone')!.status).toBe('Pending');
  });
});
