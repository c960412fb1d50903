import { ApiGatewayV2Client, DeleteApiMappingCommand, GetApiMappingsCommand, GetDomainNamesCommand } from '@aws-sdk/client-apigatewayv2';
import { ACMClient, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { beforeEach, describe, expect, it } from 'vitest';
import { bootstrapSharedPlatform } from '../support/bootstrap.ts';
import { motoEnv, startMoto } from '../support/moto.ts';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { allDiffs, freshEmulator, fullExampleDoc as exampleDoc, motoEndpoint, routeyard, service, type Doc } from '../support/harness.ts';
import { liveReader } from '../support/live-state.ts';

/**
 * Custom domains, certificates and DNS against moto, started through the launcher that
 * gives REGIONAL domains their regional target and refuses a certificate that is not ISSUED,
 * as AWS does. `--domain-pace 0s` lifts API Gateway's one-CreateDomainName-per-30-s pacing
 * (moto has no such limit), so a cold convergence takes seconds.
 */
const r53 = () => new Route53Client({ region: 'us-east-1' });
const apigw = () => new ApiGatewayV2Client({});
let platform: SharedPlatform;

const converge = (doc: Doc, ...extra: string[]) => routeyard(['--reconcile-once', '--domain-pace', '0s', '--wait', '60s', ...extra], doc);
const once = (doc: Doc, ...extra: string[]) => routeyard(['--reconcile-once', '--domain-pace', '0s', ...extra], doc);
const dry = (doc: Doc) => routeyard(['--dry-run', '--domain-pace', '0s'], doc);

async function records(zoneId: string): Promise<ResourceRecordSet[]> {
  return (await r53().send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
}

async function record(zoneId: string, name: string, type: string): Promise<ResourceRecordSet | undefined> {
  return (await records(zoneId)).find((r) => r.Name === `${name}.` && r.Type === type);
}

async function change(zoneId: string, Action: 'DELETE' | 'UPSERT' | 'CREATE', set: ResourceRecordSet): Promise<void> {
  await r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action, ResourceRecordSet: set }] } }));
}

describe('custom domains, certificates and DNS against moto', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  it('converges the example (certificates, domains, mappings, records with their registry); the next pass makes zero mutating calls and reads each zone once', async () => {
    const doc = exampleDoc();
    const first = await converge(doc);
    expect(first.exitCode).toBe(0);
    const domains = (await apigw().send(new GetDomainNamesCommand({}))).Items ?? [];
    expect(domains.map((d) => d.DomainName).sort()).toEqual(['qa.api.auth.acmecorp.com', 'qa.api.autos.acmecorp.com', 'qa.api.lp.acmecorp.com', 'qa.api.py.acmecorp.com']);
    for (const d of domains) {
      expect(d.DomainNameConfigurations?.[0]).toMatchObject({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' });
      expect(d.Tags).toMatchObject({ 'routeyard:owner': 'acmecorp-qa' });
      const mappings = (await apigw().send(new GetApiMappingsCommand({ DomainName: d.DomainName! }))).Items ?? [];
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Stage).toBe('$default');
    }
    const py = domains.find((d) => d.DomainName === 'qa.api.py.acmecorp.com')!.DomainNameConfigurations![0]!;
    for (const type of ['A', 'AAAA']) {
      const r = await record(platform.publicZoneId, 'qa.api.py.acmecorp.com', type);
      // AWS answers names with a trailing dot, moto as they were sent: compare without it.
      expect(r?.AliasTarget?.DNSName?.replace(/\.$/, '')).toBe(py.ApiGatewayDomainName);
      expect(r?.AliasTarget?.HostedZoneId).toBe(py.HostedZoneId);
      expect((await record(platform.publicZoneId, `_routeyard-${type.toLowerCase()}.qa.api.py.acmecorp.com`, 'TXT'))?.ResourceRecords?.[0]?.Value).toBe(
        '"heritage=routeyard,routeyard:owner=acmecorp-qa,routeyard:service=fastapi-app"',
      );
    }
    // qa.api.auth is ipv4 (AWS's default): an A alias only; an AAAA alias to an IPv4-only domain answers nothing.
    expect(await record(platform.publicZoneId, 'qa.api.auth.acmecorp.com', 'A')).toBeDefined();
    expect(await record(platform.publicZoneId, 'qa.api.auth.acmecorp.com', 'AAAA')).toBeUndefined();
    expect(domains.find((d) => d.DomainName === 'qa.api.py.acmecorp.com')!.DomainNameConfigurations![0]!.IpAddressType).toBe('dualstack');
    const priv = await record(platform.privateZoneId, 'zeropoint.internal.acmecorp.com', 'A');
    expect(priv?.AliasTarget?.DNSName?.replace(/\.$/, '')).toBe(platform.albDnsName);
    const certs = (await new ACMClient({}).send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    expect(certs).toHaveLength(4);

    const steady = await once(doc);
    expect(steady.report.outcome).toBe('InSync');
    // The domain's regional target is an output of its service (what a pipeline's own alias would point at).
    expect(service(steady.report, 'fastapi-app').outputs?.['domain-target']).toBe(py.ApiGatewayDomainName);
    expect(service(steady.report, 'fastapi-prerelease').outputs?.['domain-target']).toBeUndefined();
    expect(steady.report.stats.awsCalls.mutating).toBe(0);
    const ops = steady.report.stats.awsCalls.byOperation;
    expect(ops['Route53.ListResourceRecordSets']).toBe(2); // one page per zone
    expect(Object.keys(ops).filter((k) => k.startsWith('Route53.') && !['Route53.ListResourceRecordSets', 'Route53.ListHostedZonesByName'].includes(k))).toEqual([]);
  });

  it('out-of-band changes are reported by --dry-run (exit 2, path, desired, live) and repaired: an alias deleted, a record pointed elsewhere, a mapping deleted, a registry entry deleted', async () => {
    const doc = exampleDoc();
    const first = await converge(doc);
    expect(first.exitCode, JSON.stringify(first.report.services.filter((s) => s.status !== 'InSync'))).toBe(0);
    const zone = platform.publicZoneId;
    // 1. fastapi-app's A alias deleted
    await change(zone, 'DELETE', (await record(zone, 'qa.api.py.acmecorp.com', 'A'))!);
    // 2. loopback-app's AAAA pointed elsewhere
    const lp = (await record(zone, 'qa.api.lp.acmecorp.com', 'AAAA'))!;
    await change(zone, 'UPSERT', { ...lp, AliasTarget: { ...lp.AliasTarget!, DNSName: 'd-elsewhere.execute-api.eu-west-1.amazonaws.com.' } });
    // 3. zeropoint-app's mapping deleted
    const auth = (await apigw().send(new GetApiMappingsCommand({ DomainName: 'qa.api.auth.acmecorp.com' }))).Items![0]!;
    await apigw().send(new DeleteApiMappingCommand({ DomainName: 'qa.api.auth.acmecorp.com', ApiMappingId: auth.ApiMappingId! }));
    // 4. gantt's registry entry for its A record deleted
    await change(zone, 'DELETE', (await record(zone, '_routeyard-a.qa.api.autos.acmecorp.com', 'TXT'))!);

    const d = await dry(doc);
    expect(d.exitCode).toBe(2);
    expect(allDiffs(d.report, 'fastapi-app')).toContainEqual(expect.objectContaining({ path: 'dnsRecord[qa.api.py.acmecorp.com A]', live: null }));
    expect(allDiffs(d.report, 'loopback-app')).toContainEqual(
      expect.objectContaining({ path: 'dnsRecord[qa.api.lp.acmecorp.com AAAA]', live: expect.objectContaining({ alias: 'd-elsewhere.execute-api.eu-west-1.amazonaws.com' }) }),
    );
    expect(allDiffs(d.report, 'zeropoint-app')).toContainEqual(expect.objectContaining({ path: 'apiMapping', live: null }));
    expect(allDiffs(d.report, 'gantt-autoscheduler-qa')).toContainEqual(expect.objectContaining({ path: 'dnsRecord[_routeyard-a.qa.api.autos.acmecorp.com TXT]', live: null }));

    const fix = await once(doc);
    expect(fix.exitCode, JSON.stringify([fix.report.actions.filter((a) => a.result !== 'applied'), fix.report.services.filter((s) => s.status === 'Error' || s.status === 'Conflict')])).toBe(0);
    expect(fix.report.outcome).toBe('Converged');
    const after = await once(doc);
    expect(after.report.outcome).toBe('InSync');
    expect(after.report.stats.awsCalls.mutating).toBe(0);
    expect((await record(zone, 'qa.api.lp.acmecorp.com', 'AAAA'))?.AliasTarget?.DNSName).not.toContain('elsewhere');
  });

  it('a record at a wanted name that routeyard does not own is a Conflict and survives every pass', async () => {
    const doc = exampleDoc();
    const zone = platform.publicZoneId;
    await change(zone, 'CREATE', { Name: 'qa.api.lp.acmecorp.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] });
    const res = await converge(doc);
    expect(res.exitCode).toBe(1);
    const lp = service(res.report, 'loopback-app');
    expect(lp.status).toBe('Conflict');
    expect(lp.resources.find((r) => r.kind === 'dnsRecord' && r.status === 'Conflict')?.message).toContain('already has an A record that routeyard does not own');
    // Nothing was created for it: no certificate request, no domain.
    expect(res.report.actions.filter((a) => a.service === 'loopback-app' && ['certificate', 'customDomain'].includes(a.kind))).toEqual([]);
    // Every other service converges all the same.
    const next = await once(doc, '--allow-mass-delete');
    expect(service(next.report, 'fastapi-app').status).toBe('InSync');
    expect(service(next.report, 'loopback-app').status).toBe('Conflict');
    expect((await record(zone, 'qa.api.lp.acmecorp.com', 'A'))?.ResourceRecords).toEqual([{ Value: '192.0.2.10' }]);
  });

  it('removing a service deletes its records, registry entries, mapping, domain and the certificate routeyard requested for it; nothing else', async () => {
    const doc = exampleDoc();
    await change(platform.publicZoneId, 'CREATE', { Name: 'www.acmecorp.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.20' }] });
    expect((await converge(doc)).exitCode).toBe(0);
    const before = await records(platform.publicZoneId);
    doc.spec.services = doc.spec.services.filter((s: { name: string }) => s.name !== 'loopback-app');
    // The first pass removes everything but the certificate: API Gateway holds a deleted
    // domain's certificate for minutes (ACM ResourceInUse), so it is Pending, deleted later.
    const first = await once(doc);
    expect(first.exitCode).toBe(0);
    const kinds = first.report.actions.filter((a) => a.service === 'loopback-app' && a.op === 'delete').map((a) => a.kind);
    expect(kinds).toEqual(expect.arrayContaining(['dnsRecord', 'apiMapping', 'customDomain', 'listenerRule', 'targetGroup', 'httpApi']));
    expect(kinds).not.toContain('certificate');
    expect(service(first.report, 'loopback-app').resources.find((r) => r.kind === 'certificate')?.status).toBe('Pending');
    const res = await converge(doc);
    expect(res.exitCode).toBe(0);
    expect(res.report.actions.filter((a) => a.service === 'loopback-app').map((a) => `${a.op} ${a.kind} ${a.result}`)).toEqual(['delete certificate applied']);
    // Nothing of the removed service is left tagged with the owner (read straight from moto).
    const reader = liveReader(motoEndpoint(), platform, 'acmecorp-qa');
    const live = await reader.read();
    reader.destroy();
    const leftovers = [...live.rules, ...live.targetGroups, ...live.apis, ...live.domains, ...live.certificates].filter((x) => x.service === 'loopback-app');
    expect(leftovers).toEqual([]);
    const domains = ((await apigw().send(new GetDomainNamesCommand({}))).Items ?? []).map((d) => d.DomainName);
    expect(domains).not.toContain('qa.api.lp.acmecorp.com');
    expect(domains).toHaveLength(3);
    const after = await records(platform.publicZoneId);
    expect(after.filter((r) => r.Name!.includes('qa.api.lp.'))).toEqual([]);
    // Everything else is as it was.
    expect(after.length).toBe(before.filter((r) => !r.Name!.includes('qa.api.lp.')).length);
    expect(after.find((r) => r.Name === 'www.acmecorp.com.')).toBeDefined();
    expect((await new ACMClient({}).send(new ListCertificatesCommand({}))).CertificateSummaryList).toHaveLength(3);
  });

  it('a certificate still pending validation leaves its service Pending and every other service converged; once ACM issues it, the next pass finishes the chain', async () => {
    // A moto of its own whose ACM takes 8 s to "validate" (the shared one validates at once).
    const slow = await startMoto({ MOTO_ACM_VALIDATION_WAIT: '8' });
    const saved = { ...process.env };
    try {
      Object.assign(process.env, motoEnv(slow.endpoint));
      const p = await bootstrapSharedPlatform();
      const doc = exampleDoc();
      for (const s of doc.spec.services) if (s.name !== 'fastapi-app') delete s.domain;
      const first = await once(doc);
      expect(first.exitCode).toBe(0);
      expect(first.report.outcome).toBe('Pending');
      const second = await once(doc);
      expect(service(second.report, 'fastapi-app').status).toBe('Pending');
      expect(service(second.report, 'fastapi-app').resources.find((r) => r.kind === 'certificate')?.message).toBe('waiting for certificate validation');
      for (const other of ['loopback-app', 'zeropoint-app', 'fastapi-prerelease', 'gantt-autoscheduler-qa']) expect(service(second.report, other).status).toBe('InSync');
      // Its validation record is written while it waits.
      expect((await records(p.publicZoneId)).some((r) => r.Type === 'CNAME' && r.Name!.endsWith('qa.api.py.acmecorp.com.'))).toBe(true);
      await new Promise((r) => setTimeout(r, 8500));
      const done = await routeyard(['--reconcile-once', '--domain-pace', '0s', '--wait', '60s'], doc);
      expect(done.exitCode).toBe(0);
      const after = await once(doc);
      expect(after.report.outcome).toBe('InSync');
      expect(((await apigw().send(new GetDomainNamesCommand({}))).Items ?? []).map((d) => d.DomainName)).toEqual(['qa.api.py.acmecorp.com']);
    } finally {
      for (const k of Object.keys(motoEnv(slow.endpoint))) process.env[k] = saved[k];
      await slow.stop();
    }
  });
});
