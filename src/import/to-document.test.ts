import { describe, expect, it } from 'vitest';
import { validateDocument } from '../desired/validate.ts';
import { RouteyardError } from '../errors.ts';
import { renderImportReport } from './report.ts';
import type { ImportRequest, LiveApi, LiveDomain, LiveRule, LiveSnapshot, LiveTargetGroup } from './snapshot.ts';
import { routeSetNameFor, serviceNameFor, toDocument, type ImportResult } from './to-document.ts';

const LISTENER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared-qa-services-alb/50dc6c495c0c9188/f2f7dc8efc522ab2';
const RULE = (n: number | string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shared-qa-services-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/${String(n).padStart(16, '0')}`;
const TG = (name: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const CERT = (n: number) => `arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const LOG = (name: string) => `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/${name}`;
const ALB_DNS = 'internal-shared-qa-services-alb-1234567890.eu-west-1.elb.amazonaws.com';
const ALB_ZONE = 'Z32O12XQLNTSW2';
const VPC_LINK = 'vl4rb2';

interface Svc {
  value: string;
  priority: number;
  port?: number;
  domain?: string;
  privateName?: string;
  tags?: Record<string, string>;
}

/** A clean account: the pattern for each service, as its stacks would build it. */
function snapshot(services: Svc[]): LiveSnapshot {
  const rules: LiveRule[] = [
    { arn: RULE('default'), priority: 'default', isDefault: true, conditions: [], actions: [{ type: 'fixed-response', targetGroups: [] }], transforms: [], tags: {} },
  ];
  const targetGroups: LiveTargetGroup[] = [];
  const apis: LiveApi[] = [];
  const domains: LiveDomain[] = [];
  const publicRecords: LiveSnapshot['publicZones'][number]['records'] = [];
  const privateRecords: LiveSnapshot['publicZones'][number]['records'] = [];
  services.forEach((s, i) => {
    const tg = TG(`${s.value.toLowerCase().replace(/[^a-z0-9-]/g, '')}-tg`.slice(0, 32));
    targetGroups.push({
      arn: tg,
      name: `${s.value}-tg`,
      port: s.port ?? 8000,
      protocol: 'HTTP',
      protocolVersion: 'HTTP1',
      targetType: 'ip',
      vpcId: 'vpc-0abc',
      healthCheckEnabled: true,
      healthCheck: { path: '/healthz', protocol: 'HTTP', port: 'traffic-port', intervalSeconds: 30, timeoutSeconds: 5, healthyThresholdCount: 5, unhealthyThresholdCount: 2, matcher: '200' },
      tags: { ...s.tags },
    });
    rules.push({
      arn: RULE(i + 1),
      priority: String(s.priority),
      isDefault: false,
      conditions: [{ field: 'http-header', headerName: 'X-Target-Service', values: [s.value], regexValues: [] }],
      actions: [{ type: 'forward', order: 1, targetGroups: [{ arn: tg }] }],
      transforms: [],
      tags: { ...s.tags },
    });
    const apiId = `api${i}`;
    apis.push({
      id: apiId,
      name: `${s.value}-http-api`,
      protocolType: 'HTTP',
      cors: { allowOrigins: ['https://app.acmecorp.com'], allowMethods: ['*'], allowHeaders: ['*'], allowCredentials: true, maxAgeSeconds: 86400 },
      tags: { ...s.tags },
      integrations: [
        {
          id: `int${i}`,
          integrationType: 'HTTP_PROXY',
          connectionType: 'VPC_LINK',
          connectionId: VPC_LINK,
          integrationUri: LISTENER,
          integrationMethod: 'ANY',
          payloadFormatVersion: '1.0',
          requestParameters: { 'overwrite:header.X-Target-Service': s.value },
        },
      ],
      routes: [{ id: `r${i}`, routeKey: '$default', target: `integrations/int${i}` }],
      stages: [
        {
          name: '$default',
          autoDeploy: true,
          throttlingRateLimit: 10000,
          throttlingBurstLimit: 5000,
          detailedMetricsEnabled: true,
          accessLog: { destinationArn: LOG(s.value), format: '{"requestId":"$context.requestId"}' },
          tags: { ...s.tags },
        },
      ],
    });
    if (s.domain) {
      const target = { dnsName: `d-${i}abcdef.execute-api.eu-west-1.amazonaws.com`, hostedZoneId: 'ZLY8HYME6SFDD' };
      domains.push({ name: s.domain, certificateArn: CERT(i), endpointType: 'REGIONAL', securityPolicy: 'TLS_1_2', ipAddressType: 'ipv4', routingMode: 'API_MAPPING_ONLY', status: 'AVAILABLE', target, tags: { ...s.tags }, mappings: [{ id: `m${i}`, apiId, stage: '$default', key: '' }] });
      publicRecords.push({ name: s.domain, type: 'A', alias: target, values: [] });
    }
    if (s.privateName) privateRecords.push({ name: s.privateName, type: 'A', alias: { dnsName: `dualstack.${ALB_DNS}`, hostedZoneId: ALB_ZONE }, values: [] });
  });
  return {
    loadBalancer: { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared-qa-services-alb/50dc6c495c0c9188', name: 'shared-qa-services-alb', dnsName: `${ALB_DNS}.`.toUpperCase(), canonicalHostedZoneId: ALB_ZONE, vpcId: 'vpc-0abc', scheme: 'internal', type: 'application' },
    rules,
    targetGroups,
    apis,
    otherApis: 0,
    domains,
    certificates: services.flatMap((s, i) => (s.domain ? [{ arn: CERT(i), found: true, tags: { ...s.tags } }] : [])),
    publicZones: [
      { id: 'Z0PUBLIC', name: 'acmecorp.com', private: false, records: publicRecords },
      { id: 'Z0API', name: 'api.other.com', private: false, records: [] },
    ],
    privateZone: { id: 'Z0PRIVATE', name: 'internal.acmecorp.com', private: true, records: privateRecords },
  };
}

const request = (extra: Partial<ImportRequest> = {}): ImportRequest => ({ listenerArn: LISTENER, headerName: 'X-Target-Service', privateZoneRef: 'internal.acmecorp.com', ...extra });
const THREE: Svc[] = [
  { value: 'fastapi-app', priority: 2, domain: 'qa.api.py.acmecorp.com' },
  { value: 'loopback-app', priority: 3, port: 3000 },
  { value: 'zeropoint-app', priority: 4, domain: 'qa.api.auth.acmecorp.com', privateName: 'zeropoint-app.internal.acmecorp.com' },
];

function reasons(r: ImportResult): string[] {
  return r.leftOut.map((x) => `${x.kind} ${x.service ?? ''}: ${x.reason}`);
}

/** The output, written and read back as the CLI would, passes the real validator. */
function validates(r: ImportResult): void {
  expect(() => validateDocument(JSON.stringify(r.document, null, 2), { ruleQuota: r.ruleQuota })).not.toThrow();
}

describe('import: live snapshot → RouteSet', () => {
  it('describes the pattern exactly: priorities, header values, groups (only non-default health-check fields), APIs, stages, domains, private names; spec.adopt true', () => {
    const r = toDocument(snapshot(THREE), request());
    validates(r);
    const doc = r.document;
    expect(doc.$schema).toBe('./schema/routeset.schema.json');
    expect(doc.metadata.name).toBe('shared-qa-services-alb');
    expect(doc.spec.adopt).toBe(true);
    expect(doc.spec.shared).toEqual({
      listenerArn: LISTENER,
      vpcLinkId: VPC_LINK,
      vpcId: 'vpc-0abc',
      headerName: 'X-Target-Service',
      albDnsName: ALB_DNS,
      albHostedZoneId: ALB_ZONE,
      privateHostedZone: 'internal.acmecorp.com',
    });
    expect(doc.spec.services.map((s) => [s.name, s.headerValue, s.priority])).toEqual([
      ['fastapi-app', 'fastapi-app', 2],
      ['loopback-app', 'loopback-app', 3],
      ['zeropoint-app', 'zeropoint-app', 4],
    ]);
    const [py, lp, zp] = doc.spec.services;
    expect(lp!.targetGroup).toEqual({ port: 3000, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: '/healthz' } });
    expect(py!.api).toEqual({
      name: 'fastapi-app-http-api',
      cors: { allowOrigins: ['https://app.acmecorp.com'], allowMethods: ['*'], allowHeaders: ['*'], allowCredentials: true, maxAgeSeconds: 86400 },
      routes: ['$default'],
      payloadFormatVersion: '1.0',
      stage: { throttling: { rateLimit: 10000, burstLimit: 5000 }, detailedMetrics: true, accessLog: { destinationArn: LOG('fastapi-app'), format: '{"requestId":"$context.requestId"}' } },
    });
    expect(py!.domain).toEqual({ name: 'qa.api.py.acmecorp.com', hostedZone: 'acmecorp.com', certificate: CERT(0), ipAddressType: 'ipv4' });
    expect(lp!.domain).toBeUndefined();
    expect(zp!.privateDns).toEqual({ name: 'zeropoint-app.internal.acmecorp.com' });
    expect(doc.spec.services.every((s) => s.manage === undefined && s.adopt === undefined)).toBe(true);
    expect(r.leftOut).toEqual([]);
    expect(r.stacks).toEqual([]);
    // The private alias carries the console's dualstack. prefix: described, with the difference named.
    expect(r.notes.map((n) => n.message).join('\n')).toContain('dualstack.');
  });

  it('--manage observe gives every service "manage": "observe"; --name names the RouteSet', () => {
    const r = toDocument(snapshot(THREE), request({ manage: 'observe', name: 'acmecorp-qa' }));
    validates(r);
    expect(r.document.metadata.name).toBe('acmecorp-qa');
    expect(r.document.spec.services.map((s) => s.manage)).toEqual(['observe', 'observe', 'observe']);
  });

  it('leaves out a rule with two conditions, regex values, a wildcard value, several values, other actions, a weighted forward, transforms', () => {
    const snap = snapshot([...THREE, { value: 'a', priority: 10 }, { value: 'b', priority: 11 }, { value: 'c', priority: 12 }, { value: 'd', priority: 13 }, { value: 'e', priority: 14 }, { value: 'f', priority: 15 }, { value: 'g', priority: 16 }]);
    const rule = (p: number) => snap.rules.find((r) => r.priority === String(p))!;
    rule(10).conditions.push({ field: 'path-pattern', values: ['/admin/*'], regexValues: [] });
    rule(11).conditions[0] = { field: 'http-header', headerName: 'x-target-service', values: [], regexValues: ['^b.*$'] };
    rule(12).conditions[0]!.values = ['c*'];
    rule(13).conditions[0]!.values = ['d', 'dd'];
    rule(14).actions.unshift({ type: 'authenticate-oidc', targetGroups: [] });
    rule(15).actions[0]!.targetGroups.push({ arn: TG('other-tg'), weight: 0 });
    rule(16).transforms = ['url-rewrite'];
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services.map((s) => s.name)).toEqual(['fastapi-app', 'loopback-app', 'zeropoint-app']);
    const why = reasons(r).join('\n');
    expect(why).toContain('has 2 conditions (http-header X-Target-Service, path-pattern)');
    expect(why).toContain('by regular expression ("^b.*$")');
    expect(why).toMatch(/"c\*" \(an ALB wildcard pattern\)/);
    expect(why).toContain('matches 2 values');
    expect(why).toContain('has the actions authenticate-oidc, forward');
    expect(why).toContain('forwards to 2 target groups');
    expect(why).toContain('rewrites requests (url-rewrite)');
    // Their APIs inject values no imported rule matches: left out as well, with why.
    expect(r.leftOut.filter((x) => x.kind === 'httpApi').every((x) => x.reason.includes('which no imported rule matches'))).toBe(true);
  });

  it('an integration that appends the header is left out (the service keeps its rule and group, without api); two APIs for one value are both left out', () => {
    const snap = snapshot(THREE);
    snap.apis[0]!.integrations[0]!.requestParameters = { 'append:header.X-Target-Service': 'fastapi-app' };
    const twin = structuredClone(snap.apis[1]!);
    twin.id = 'twin';
    snap.apis.push(twin);
    const r = toDocument(snap, request());
    validates(r);
    const [py, lp] = r.document.spec.services;
    expect(py!.api).toBeUndefined();
    expect(py!.domain).toBeUndefined(); // a domain follows its API
    expect(lp!.api).toBeUndefined();
    const why = reasons(r).join('\n');
    expect(why).toContain('sets X-Target-Service with "append:header.X-Target-Service", not overwrite:: a client could send its own value and choose the backend');
    expect(why).toContain('is one of 2 HTTP APIs that inject X-Target-Service: "loopback-app" (api1, twin)');
  });

  it('importing again after adoption: of two APIs that inject a value, the one this RouteSet owns is the service\'s (leaving it out would make the document delete it)', () => {
    const snap = snapshot(THREE);
    const name = request().name ?? routeSetNameFor(snap.loadBalancer.name);
    snap.apis[1]!.tags = { 'routeyard:owner': name, 'routeyard:service': 'loopback-app' };
    const twin = structuredClone(snap.apis[1]!);
    twin.id = 'twin';
    twin.name = 'someone-elses-api';
    twin.tags = {};
    snap.apis.push(twin);
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services[1]!.api?.name).toBe(snap.apis[1]!.name);
    const why = reasons(r).join('\n');
    expect(why).toContain('also injects X-Target-Service: "loopback-app"; the service\'s API is api1, which this RouteSet owns');
    expect(why).not.toContain('which no imported rule matches');
  });

  it('a domain with a second mapping, or mapped to another stage, is left out; the service keeps its API', () => {
    const snap = snapshot(THREE);
    snap.domains[0]!.mappings.push({ id: 'm9', apiId: 'foreign', stage: '$default', key: 'v2' });
    snap.domains[1]!.mappings[0]!.stage = 'prod';
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services[0]!.api).toBeDefined();
    expect(r.document.spec.services[0]!.domain).toBeUndefined();
    expect(r.document.spec.services[2]!.domain).toBeUndefined();
    const why = reasons(r).join('\n');
    expect(why).toContain('customDomain fastapi-app: has 2 API mappings');
    expect(why).toContain('maps the API\'s stage "prod"');
  });

  it('names services from header values: lowercased, made DNS labels, collisions disambiguated and reported; a value that is not a HeaderValue is left out', () => {
    const snap = snapshot([
      { value: 'Fast.API_v2', priority: 1 },
      { value: 'fast-api-v2', priority: 2 },
      { value: 'x'.repeat(100), priority: 3 },
      { value: 'bad$value', priority: 4 },
      { value: '-leading', priority: 5 },
      { value: 'FAST.api_V2', priority: 6 }, // the same value to the ALB as priority 1
    ]);
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services.map((s) => [s.name, s.headerValue])).toEqual([
      ['fast-api-v2', 'Fast.API_v2'],
      ['fast-api-v2-2', 'fast-api-v2'],
      ['x'.repeat(63), 'x'.repeat(100)],
    ]);
    const notes = r.notes.map((n) => n.message).join('\n');
    expect(notes).toContain('named fast-api-v2-2: the header value "fast-api-v2" gives fast-api-v2, which another service already has');
    const why = reasons(r).join('\n');
    expect(why).toContain('"bad$value"');
    expect(why).toContain('"-leading"');
    expect(why).toContain('as the rule at priority 1 does (evaluated first; the ALB compares values case-insensitively)');
  });

  it('health checks: only fields that differ from AWS defaults; fields the schema refuses are left out with a note', () => {
    const snap = snapshot(THREE);
    Object.assign(snap.targetGroups[0]!.healthCheck, { path: '/', intervalSeconds: 10, timeoutSeconds: 6, healthyThresholdCount: 3, matcher: '200-299', port: '8081' });
    Object.assign(snap.targetGroups[1]!.healthCheck, { path: '/he alth', intervalSeconds: 5, timeoutSeconds: 5, matcher: '100' });
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services[0]!.targetGroup.healthCheck).toEqual({ port: 8081, intervalSeconds: 10, timeoutSeconds: 6, healthyThresholdCount: 3, matcher: '200-299' });
    expect(r.document.spec.services[1]!.targetGroup.healthCheck).toBeUndefined();
    const notes = r.notes.filter((n) => n.service === 'loopback-app').map((n) => n.message).join('\n');
    expect(notes).toContain("health check's path is left out");
    expect(notes).toContain("health check's matcher is left out");
  });

  it('reports the CloudFormation stack holding each described resource (certificate included), and adds no fromStacks', () => {
    const snap = snapshot([{ value: 'fastapi-app', priority: 2, domain: 'qa.api.py.acmecorp.com', tags: { 'aws:cloudformation:stack-name': 'PrivateFastApiStack', 'aws:cloudformation:logical-id': 'Res' } }, THREE[1]!]);
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.adopt).toBe(true);
    expect(JSON.stringify(r.document)).not.toContain('fromStacks');
    expect(r.stacks).toHaveLength(1);
    expect(r.stacks[0]!.stack).toBe('PrivateFastApiStack');
    expect(r.stacks[0]!.resources.map((x) => x.kind)).toEqual(['listenerRule', 'targetGroup', 'httpApi', 'stage', 'customDomain', 'certificate']);
    const text = renderImportReport(r, { listenerArn: LISTENER, loadBalancerName: 'shared-qa-services-alb', headerName: 'X-Target-Service', awsCalls: { total: 3, mutating: 0, throttled: 0, retries: 0, lostAnswers: 0, byService: { ELBv2: 3 }, byOperation: {} }, durationMs: 10 });
    expect(text).toContain('PrivateFastApiStack: 6 resource(s) of fastapi-app');
    expect(text).toContain('"adopt": { "fromStacks": ["PrivateFastApiStack"] }');
  });

  it('APIs that do not fit: one serving two values, one with extra routes or integrations, CORS a document cannot hold, another RouteSet\'s', () => {
    const snap = snapshot([...THREE, { value: 'w', priority: 20 }]);
    const [py, lp, zp, w] = snap.apis;
    py!.integrations.push({ ...py!.integrations[0]!, id: 'int-extra', requestParameters: { 'overwrite:header.X-Target-Service': 'ghost' } });
    py!.routes!.push({ id: 'rx', routeKey: 'GET /ghost', target: 'integrations/int-extra' });
    lp!.routes!.push({ id: 'ry', routeKey: 'GET /lambda', target: 'integrations/lambda' });
    zp!.cors!.allowOrigins = ['https://*.acmecorp.com'];
    w!.tags['routeyard:owner'] = 'someone-else';
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services.filter((s) => s.api).map((s) => s.name)).toEqual([]);
    const why = reasons(r).join('\n');
    expect(why).toContain('injects the values of several services ("fastapi-app", "ghost")');
    expect(why).toContain('route(s) that do not target its integration ("GET /lambda" → integrations/lambda)');
    expect(why).toContain('allowOrigins');
    expect(why).toContain('belongs to the RouteSet "someone-else"');
  });

  it('private names: an alias whose first label is no service is left out; with no integration the VPC link must be given', () => {
    const snap = snapshot(THREE);
    snap.privateZone!.records.push({ name: 'zeropoint.internal.acmecorp.com', type: 'A', alias: { dnsName: ALB_DNS, hostedZoneId: ALB_ZONE }, values: [] });
    const r = toDocument(snap, request());
    expect(reasons(r).join('\n')).toContain('dnsRecord : points at the load balancer, but no imported service is named "zeropoint"');
    const bare = snapshot(THREE);
    bare.apis = [];
    expect(() => toDocument(bare, request())).toThrow(RouteyardError);
    expect(() => toDocument(bare, request())).toThrow(/--vpc-link/);
    validates(toDocument(bare, request({ vpcLinkId: VPC_LINK })));
  });

  it('hostile values never crash it and are bounded in the report', () => {
    const snap = snapshot(THREE);
    const huge = 'A\u0000\n'.repeat(20_000);
    snap.rules.push({ arn: huge, priority: huge, isDefault: false, conditions: [{ field: huge, values: [huge], regexValues: [] }], actions: [], transforms: [], tags: { [huge]: huge } });
    snap.rules.push({ arn: RULE(99), priority: '99', isDefault: false, conditions: [{ field: 'http-header', headerName: 'X-Target-Service', values: [huge], regexValues: [] }], actions: [{ type: 'forward', targetGroups: [{ arn: huge }] }], transforms: [], tags: {} });
    snap.apis.push({ id: huge, name: huge, tags: {}, integrations: [{ id: huge, integrationUri: LISTENER, requestParameters: { [`overwrite:header.${huge}`]: huge, 'overwrite:header.x-target-service': huge } }] });
    snap.domains.push({ name: huge, tags: {}, mappings: [{ id: huge, apiId: huge, stage: huge, key: huge }] });
    snap.apis[0]!.stages![0]!.accessLog = { destinationArn: huge, format: huge };
    snap.apis[0]!.description = huge;
    const r = toDocument(snap, request());
    validates(r);
    const text = renderImportReport(r, { listenerArn: LISTENER, loadBalancerName: huge, headerName: 'X-Target-Service', awsCalls: { total: 0, mutating: 0, throttled: 0, retries: 0, lostAnswers: 0, byService: {}, byOperation: {} }, durationMs: 1 });
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(2000);
    expect(text).not.toContain('\u0000');
    // The API with a 60,000-character description does not fit the document: left out, not crashed on.
    expect(r.document.spec.services[0]!.api).toBeUndefined();
  });

  it('what has nothing to do with the pattern is summarized in the report, not listed line by line; CORS methods are written as the schema spells them', () => {
    const snap = snapshot(THREE);
    snap.apis[0]!.cors!.allowMethods = ['get', 'Post'];
    for (let i = 0; i < 60; i++) snap.apis.push({ id: `other${i}`, name: `other-${i}`, tags: {}, integrations: [{ id: 'x', integrationUri: 'https://example.com', requestParameters: {} }] });
    snap.rules.push({ arn: RULE(77), priority: '77', isDefault: false, conditions: [{ field: 'host-header', values: ['admin.acmecorp.com'], regexValues: [] }], actions: [{ type: 'forward', targetGroups: [{ arn: TG('admin') }] }], transforms: [], tags: {} });
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services[0]!.api!.cors!.allowMethods).toEqual(['GET', 'POST']);
    expect(r.leftOut.filter((x) => x.unrelated)).toHaveLength(61);
    const text = renderImportReport(r, { listenerArn: LISTENER, loadBalancerName: 'alb', headerName: 'X-Target-Service', awsCalls: { total: 0, mutating: 0, throttled: 0, retries: 0, lostAnswers: 0, byService: {}, byOperation: {} }, durationMs: 1 });
    expect(text).toContain('not part of the pattern (61):');
    expect(text).toContain('60 HTTP API(s) with no integration to the listener: other0 "other-0", ');
    expect(text).toContain(', ... and 10 more');
    expect(text).toMatch(/1 listener rule\(s\) with no condition on X-Target-Service: \S+ \(priority 77\)/);
    expect(text).not.toContain('left out (');
  });

  it('what only the whole document refuses (a private name that is also a custom domain) leaves out that block, not the service; a --source document without the alias target gets no private names', () => {
    const snap = snapshot([
      { value: 'fastapi-app', priority: 2, domain: 'fastapi-app.internal.acmecorp.com' },
      { value: 'loopback-app', priority: 3, privateName: 'fastapi-app.internal.acmecorp.com' },
      { value: 'zeropoint-app', priority: 4, privateName: 'zeropoint-app.internal.acmecorp.com' },
    ]);
    // The private alias at a name whose first label is fastapi-app belongs to fastapi-app.
    const r = toDocument(snap, request());
    validates(r);
    expect(r.document.spec.services.map((s) => [s.name, s.domain?.name, s.privateDns?.name])).toEqual([
      ['fastapi-app', 'fastapi-app.internal.acmecorp.com', undefined],
      ['loopback-app', undefined, undefined],
      ['zeropoint-app', undefined, 'zeropoint-app.internal.acmecorp.com'],
    ]);
    expect(reasons(r).join('\n')).toContain('does not make a valid privateDns block: privateDns.name: claims the DNS name fastapi-app.internal.acmecorp.com, already claimed by spec.services[0].domain.name');

    const fromSource = toDocument(snapshot(THREE), request({ shared: { listenerArn: 'ssm:/shared/listener', vpcLinkId: 'ssm:/shared/link', vpcId: 'ssm:/shared/vpc', privateHostedZone: 'internal.acmecorp.com' } }));
    validates(fromSource);
    expect(fromSource.document.spec.shared).toEqual({ listenerArn: 'ssm:/shared/listener', vpcLinkId: 'ssm:/shared/link', vpcId: 'ssm:/shared/vpc', privateHostedZone: 'internal.acmecorp.com' });
    expect(fromSource.document.spec.services.some((s) => s.privateDns)).toBe(false);
    expect(reasons(fromSource).join('\n')).toContain('a private name needs spec.shared.albDnsName, spec.shared.albHostedZoneId');
  });

  it('service and RouteSet names from odd inputs', () => {
    expect(serviceNameFor('---')).toBe('service');
    expect(serviceNameFor('Ab..Cd__')).toBe('ab-cd');
    expect(serviceNameFor(`${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
    expect(routeSetNameFor('Shared_QA_ALB')).toBe('shared-qa-alb');
    expect(routeSetNameFor('__')).toBe('imported');
  });
});
