import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { ApiGatewayV2Client, GetDomainNamesCommand } from '@aws-sdk/client-apigatewayv2';
import { beforeEach, describe, expect, it } from 'vitest';
import { freshEmulator, fullExampleDoc, routeyard, service, type Doc } from '../support/harness.ts';

/**
 * Issue 15 against moto: names as AWS has them (certificates of another Region, ACM's
 * 64-character common name).
 */
const converge = (doc: Doc, ...extra: string[]) => routeyard(['--reconcile-once', '--domain-pace', '0s', '--wait', '60s', ...extra], doc);

describe('names as AWS has them', () => {
  beforeEach(async () => {
    await freshEmulator();
  });

  it('a document naming a certificate ARN in another Region: that service is an Error naming domain.certificate, every other service converges, exit 1', async () => {
    const doc = fullExampleDoc();
    const py = (doc.spec.services as Doc[]).find((s) => s.domain?.name === 'qa.api.py.acmecorp.com')!;
    py.domain.certificate = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
    const run = await converge(doc);
    expect(run.exitCode).toBe(1);
    const bad = service(run.report, py.name as string);
    expect(bad.status).toBe('Error');
    expect(bad.resources.find((r) => r.kind === 'certificate')!.message).toBe(
      'domain.certificate: a us-east-1 certificate is for CloudFront (edge-optimized); an HTTP API in eu-west-1 needs one from eu-west-1',
    );
    const again = await routeyard(['--reconcile-once', '--domain-pace', '0s'], doc);
    for (const s of again.report.services.filter((x) => x.name !== py.name)) expect(s.status, s.name).toBe('InSync');
    expect(again.report.stats.awsCalls.mutating).toBe(0);
    const domains = ((await new ApiGatewayV2Client({}).send(new GetDomainNamesCommand({}))).Items ?? []).map((d) => d.DomainName).sort();
    expect(domains).toEqual(['qa.api.auth.acmecorp.com', 'qa.api.autos.acmecorp.com', 'qa.api.lp.acmecorp.com']);
  });

  it('"auto" for a 70-character name: validated, then a certificate is issued for it (its parent\'s wildcard as the common name) and the domain converges', async () => {
    const doc = fullExampleDoc();
    const py = (doc.spec.services as Doc[]).find((s) => s.domain?.name === 'qa.api.py.acmecorp.com')!;
    const long = `${'x'.repeat(47)}.qa.api.py.acmecorp.com`;
    expect(long.length).toBe(70);
    py.domain.name = long;
    expect((await routeyard(['--validate'], doc)).exitCode).toBe(0);
    const run = await converge(doc);
    expect(run.exitCode, JSON.stringify(run.report.services.filter((s) => s.status !== 'InSync'))).toBe(0);
    const acm = new ACMClient({});
    const summaries = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    const mine = summaries.find((c) => c.DomainName === '*.qa.api.py.acmecorp.com');
    expect(mine).toBeDefined();
    const d = (await acm.send(new DescribeCertificateCommand({ CertificateArn: mine!.CertificateArn! }))).Certificate!;
    expect(d.SubjectAlternativeNames).toContain(long);
    expect(d.Status).toBe('ISSUED');
    const domains = ((await new ApiGatewayV2Client({}).send(new GetDomainNamesCommand({}))).Items ?? []).map((x) => x.DomainName);
    expect(domains).toContain(long);
  });
});
