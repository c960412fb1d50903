import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.ts';
import { exampleDoc, freshEmulator, repoRoot, routeyard, writeDoc } from '../support/harness.ts';

/** For each bad fixture: the JSON path the error must name and words its message must contain. */
const EXPECTED: Record<string, [path: string, words: string]> = {
  '01-invalid-json': ['(document)', 'not valid JSON'],
  '02-empty-file': ['(document)', 'empty'],
  '03-not-an-object': ['(document)', 'must be an object'],
  '04-wrong-api-version': ['apiVersion', '"routeyard/v1"'],
  '05-wrong-kind': ['kind', '"RouteSet"'],
  '06-missing-metadata-name': ['metadata.name', 'is required'],
  '07-services-empty': ['spec.services', 'at least one service'],
  '08-priority-string': ['spec.services[0].priority', 'must be a number (got string "2")'],
  '09-priority-zero': ['spec.services[1].priority', 'between 1 and 50000'],
  '10-priority-too-high': ['spec.services[2].priority', 'between 1 and 50000'],
  '11-duplicate-name': ['spec.services[1].name', 'duplicates the name "fastapi-app" of spec.services[0]'],
  '12-duplicate-header-value-case': ['spec.services[2].headerValue', 'case-insensitive'],
  '13-duplicate-priority': ['spec.services[4].priority', 'duplicates the priority 2'],
  '14-header-value-wildcard': ['spec.services[0].headerValue', 'no wildcards'],
  '15-header-value-too-long': ['spec.services[0].headerValue', 'at most 128 characters'],
  '16-unknown-top-level-field': ['status', 'not a known field'],
  '17-unknown-service-field': ['spec.services[3].weight', 'not a known field'],
  '18-target-group-missing-port': ['spec.services[0].targetGroup.port', 'required when "arn" is not given'],
  '19-target-group-arn-and-port': ['spec.services[0].targetGroup.port', 'not allowed together with "arn"'],
  '20-bad-protocol': ['spec.services[1].targetGroup.protocol', '"HTTP" or "HTTPS"'],
  '21-port-out-of-range': ['spec.services[1].targetGroup.port', 'at most 65535'],
  '22-service-name-uppercase': ['spec.services[0].name', 'lowercase'],
  '23-shared-missing-listener': ['spec.shared.listenerArn', 'is required'],
  '24-header-name-with-space': ['spec.shared.headerName', 'HTTP header name'],
  '25-health-check-path-relative': ['spec.services[0].targetGroup.healthCheck.path', 'must start with "/"'],
  '26-priority-band-inverted': ['spec.shared.priorityBand.to', 'must not be greater'],
  '27-services-not-array': ['spec.services', 'must be an array'],
  '28-api-route-key-invalid': ['spec.services[0].api.routes[0]', '"METHOD /path"'],
  '29-api-throttling-negative': ['spec.services[0].api.stage.throttling.rateLimit', 'at least 0'],
  '30-cors-max-age-ten-days': ['spec.services[0].api.cors.maxAgeSeconds', 'at most 86400'],
  '31-duplicate-route-key': ['spec.services[0].api.routes[1]', 'duplicates the route key'],
  '32-ssm-ref-with-space': ['spec.shared.vpcLinkId', 'ssm:/parameter/name'],
  '33-payload-format-2': ['spec.services[2].api.payloadFormatVersion', 'only payload format 1.0 for HTTP_PROXY'],
  // AWS rules moto does not enforce (issue 6): each is refused before any AWS call.
  '34-access-log-firehose': ['spec.services[0].api.stage.accessLog.destinationArn', 'only to CloudWatch Logs'],
  '35-access-log-format-without-request-id': ['spec.services[0].api.stage.accessLog.format', 'must contain $context.requestId'],
  '36-health-check-interval-not-above-default-timeout': ['spec.services[1].targetGroup.healthCheck.intervalSeconds', 'default timeout of 5 s'],
  '37-health-check-interval-equals-timeout': ['spec.services[2].targetGroup.healthCheck.intervalSeconds', 'greater than timeoutSeconds (10)'],
  '38-health-check-matcher-100': ['spec.services[3].targetGroup.healthCheck.matcher', 'outside 200-499'],
  '39-health-check-timeout-not-below-default-interval': ['spec.services[4].targetGroup.healthCheck.timeoutSeconds', 'default interval of 30 s'],
  // Names (issue 8).
  '40-domain-outside-zone': ['spec.services[0].domain.name', 'is not inside the hosted zone acmecorp.com'],
  '41-domain-name-claimed-twice': ['spec.services[1].domain.name', 'already claimed by spec.services[0].domain.name'],
  '42-domain-without-api': ['spec.services[3].domain', 'needs an api block'],
  '43-private-dns-without-zone': ['spec.services[2].privateDns', 'needs spec.shared.privateHostedZone'],
  '44-domain-name-invalid': ['spec.services[0].domain.name', 'lowercase DNS name'],
  '45-certificate-not-acm': ['spec.services[0].domain.certificate', 'ACM certificate ARN'],
  '55-auto-certificate-name-too-long': ['spec.services[0].domain.certificate', 'ACM limits the common name to 64 characters'],
  // Documents AWS would refuse, and hostile ones (issue 14).
  '46-cors-wildcard-origin-with-credentials': ['spec.services[0].api.cors.allowOrigins[0]', 'not allowed while allowCredentials is true'],
  '47-cors-scheme-wildcard-with-credentials': ['spec.services[1].api.cors.allowOrigins[1]', 'not allowed while allowCredentials is true'],
  '48-cors-origin-path-traversal': ['spec.services[2].api.cors.allowOrigins[0]', 'must start with a scheme and "://"'],
  '49-cors-origin-with-path': ['spec.services[0].api.cors.allowOrigins[0]', 'must not have a path'],
  '50-cors-origin-wildcard-inside-host': ['spec.services[3].api.cors.allowOrigins[0]', 'no wildcard inside a host name'],
  '51-cors-allow-header-crlf': ['spec.services[3].api.cors.allowHeaders[1]', 'HTTP header name'],
  '52-cors-expose-header-space': ['spec.services[4].api.cors.exposeHeaders[0]', 'HTTP header name'],
  '53-header-name-crlf': ['spec.shared.headerName', 'HTTP header name'],
  '54-deeply-nested-json': ['(document)', 'more than 32 levels deep'],
};

const fixtureDir = join(repoRoot, 'test', 'fixtures', 'bad');
const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

describe('bad desired state: exit 3, the field named, zero AWS calls', () => {
  beforeAll(async () => {
    await freshEmulator();
  });

  it('has an expectation for every fixture and at least 20 of them', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    expect(fixtures.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const mode of ['--reconcile-once', '--validate'] as const) {
    it.each(fixtures)(`${mode} %s`, async (name) => {
      const clients = createAwsClients();
      const res = await routeyard([mode], `file:${join(fixtureDir, `${name}.json`)}`, clients);
      const [path, words] = EXPECTED[name]!;
      expect(res.exitCode).toBe(3);
      expect(res.report.outcome).toBe('Invalid');
      const match = res.report.error!.fieldErrors.find((e) => e.path === path);
      expect(match, `errors were: ${JSON.stringify(res.report.error!.fieldErrors)}`).toBeDefined();
      expect(match!.message).toContain(words);
      // Short excerpts only: a fixture with 100,000 levels of "[" gives a message of one line.
      for (const e of res.report.error!.fieldErrors) expect(e.path.length + e.message.length, e.path).toBeLessThan(400);
      expect(res.report.actions).toEqual([]);
      expect(res.report.stats.awsCalls.total).toBe(0);
      expect(clients.counter.snapshot().total).toBe(0);
    });
  }

  it('an oversized document is refused before parsing', async () => {
    const doc = exampleDoc();
    doc.metadata.labels = { padding: 'x'.repeat(1024 * 1024) };
    const res = await routeyard(['--reconcile-once'], doc);
    expect(res.exitCode).toBe(3);
    expect(res.report.error!.fieldErrors[0]).toMatchObject({ path: '(document)' });
    expect(res.report.error!.fieldErrors[0]!.message).toMatch(/limit is 1048576 bytes/);
    expect(res.report.stats.awsCalls.total).toBe(0);
  });

  it('more rules than the listener quota is invalid; --rule-quota raises the limit', async () => {
    const doc = exampleDoc();
    doc.spec.services = Array.from({ length: 101 }, (_, i) => ({ name: `svc-${i}`, headerValue: `svc-${i}`, targetGroup: { port: 8000, protocol: 'HTTP', targetType: 'ip' } }));
    const res = await routeyard(['--validate'], doc);
    expect(res.exitCode).toBe(3);
    expect(res.report.error!.fieldErrors).toContainEqual({ path: 'spec.services', message: expect.stringContaining('listener quota is 100') });
    const raised = await routeyard(['--validate', '--rule-quota', '200'], doc);
    expect(raised.exitCode).toBe(0);
    expect(raised.report.outcome).toBe('Valid');
  });

  it('reports every error of a document at once', async () => {
    const doc = exampleDoc();
    doc.spec.services[0].priority = 0;
    doc.spec.services[1].headerValue = 'a b';
    doc.spec.services[2].colour = 'blue';
    const res = await routeyard(['--validate'], doc);
    expect(res.report.error!.fieldErrors.map((e) => e.path)).toEqual(['spec.services[0].priority', 'spec.services[1].headerValue', 'spec.services[2].colour']);
  });

  it('an ssm: reference to a missing parameter names the field, exits 3 and writes nothing', async () => {
    const doc = exampleDoc();
    doc.spec.shared.vpcLinkId = 'ssm:/acmecorp/shared/no-such-parameter';
    const res = await routeyard(['--reconcile-once'], doc);
    expect(res.exitCode).toBe(3);
    expect(res.report.error!.fieldErrors).toEqual([{ path: 'spec.shared.vpcLinkId', message: expect.stringContaining('/acmecorp/shared/no-such-parameter') }]);
    expect(res.report.stats.awsCalls.mutating).toBe(0);
  });

  it('an unreadable source exits 1 and writes nothing', async () => {
    const res = await routeyard(['--reconcile-once'], 'file:/nonexistent/routes.json');
    expect(res.exitCode).toBe(1);
    expect(res.report.error!.code).toBe('SourceUnreadable');
    expect(res.report.stats.awsCalls.total).toBe(0);
  });

  it('a valid document passes --validate with exit 0 and no AWS call', async () => {
    const clients = createAwsClients();
    const res = await routeyard(['--validate'], `file:${writeDoc(readFileSync(join(repoRoot, 'desired-state.example.json'), 'utf8'))}`, clients);
    expect(res.exitCode).toBe(0);
    expect(clients.counter.snapshot().total).toBe(0);
  });
});
