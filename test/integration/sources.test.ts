import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { albOnlyDoc, dryRun, freshEmulator, fullExampleDoc, reconcile, routeyard } from '../support/harness.ts';
import type { SharedPlatform } from '../support/bootstrap.ts';

const ssm = () => new SSMClient({});
const s3 = () => new S3Client({ forcePathStyle: true });

async function put(name: string, value: unknown) {
  await ssm().send(new PutParameterCommand({ Name: name, Value: typeof value === 'string' ? value : JSON.stringify(value), Type: 'String', Overwrite: true }));
}

describe('desired-state sources', () => {
  let platform: SharedPlatform;
  beforeAll(async () => {
    platform = await freshEmulator();
  });

  it('ssm:/name reads one parameter and records its version', async () => {
    await put('/routeyard/qa/routeset', albOnlyDoc());
    await put('/routeyard/qa/routeset', albOnlyDoc()); // version 2
    const res = await reconcile('ssm:/routeyard/qa/routeset');
    expect(res.exitCode).toBe(0);
    expect(res.report.source).toEqual({ uri: 'ssm:/routeyard/qa/routeset', version: '/routeyard/qa/routeset@2' });
    expect(res.report.summary.services).toBe(5);
  });

  it('ssm-path:/prefix/ composes the envelope and one parameter per service', async () => {
    const doc = albOnlyDoc();
    const { services, ...spec } = doc.spec;
    await put('/routeyard/big/routeset', { ...doc, spec });
    for (const s of services) await put(`/routeyard/big/services/${s.name}`, s);
    const res = await dryRun('ssm-path:/routeyard/big/');
    expect(res.report.error).toBeUndefined();
    expect(res.exitCode).toBe(0); // same five services, already converged by the previous test
    expect(res.report.summary.inSync).toBe(5);
    expect(res.report.source.version).toMatch(/^6 parameters, max version 1, digest [0-9a-f]{12}$/);
  });

  it('ssm-path errors name the parameter a bad service came from', async () => {
    const doc = albOnlyDoc();
    const { services, ...spec } = doc.spec;
    await put('/routeyard/bad/routeset', { ...doc, spec });
    await put('/routeyard/bad/services/a', services[0]);
    await put('/routeyard/bad/services/b', { ...services[1], priority: 'high' });
    const res = await routeyard(['--validate'], 'ssm-path:/routeyard/bad/');
    expect(res.exitCode).toBe(3);
    expect(res.report.error!.fieldErrors[0]).toMatchObject({ path: 'spec.services[1].priority' });
    expect(res.report.error!.fieldErrors[0]!.message).toContain('/routeyard/bad/services/b');
    expect(res.report.stats.awsCalls.mutating).toBe(0);
  });

  it('s3://bucket/key reads the object and records its ETag', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'routeyard-desired', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await s3().send(new PutObjectCommand({ Bucket: 'routeyard-desired', Key: 'qa/routes.json', Body: JSON.stringify(albOnlyDoc()) }));
    const res = await dryRun('s3://routeyard-desired/qa/routes.json');
    expect(res.exitCode).toBe(0);
    expect(res.report.source.version).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('an S3 object over the 1 MiB document limit is refused from its HeadObject size, never downloaded', async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'routeyard-desired', Key: 'qa/huge.json', Body: 'x'.repeat(1024 * 1024 + 1) }));
    const res = await routeyard(['--validate'], 's3://routeyard-desired/qa/huge.json');
    expect(res.exitCode).toBe(3);
    expect(res.report.error!.fieldErrors).toEqual([
      { path: '(document)', message: 'is 1048577 bytes (the ContentLength of s3://routeyard-desired/qa/huge.json; it was not downloaded); the limit is 1048576 bytes' },
    ]);
    const ops = Object.keys(res.report.stats.awsCalls.byOperation);
    expect(ops.filter((k) => k.endsWith('.HeadObject'))).toHaveLength(1);
    expect(ops.filter((k) => k.endsWith('.GetObject'))).toEqual([]);
  });

  it('a value resolved from a SecureString parameter appears nowhere in the report', async () => {
    // The private alias records point at the shared ALB: its DNS name, here a SecureString,
    // would otherwise show as the desired value of every record to create.
    await ssm().send(new PutParameterCommand({ Name: '/acmecorp/secret/alb-dns-name', Value: platform.albDnsName, Type: 'SecureString', Overwrite: true }));
    const doc = fullExampleDoc();
    for (const s of doc.spec.services) delete s.domain;
    doc.spec.shared.albDnsName = 'ssm:/acmecorp/secret/alb-dns-name';
    expect(doc.spec.services.some((s: { privateDns?: unknown }) => s.privateDns)).toBe(true);
    for (const output of ['json', 'text']) {
      const res = await routeyard(['--dry-run', '--output', output], doc);
      expect(res.exitCode, output).toBe(2); // drift: the records are missing
      expect(res.stdout, output).not.toContain(platform.albDnsName);
      expect(res.stdout.toLowerCase(), output).not.toContain(platform.albDnsName.split('.')[0]!.toLowerCase());
      expect(res.stdout, output).toContain('(secret)');
    }
  });

  it('a missing parameter, key or bucket exits 1 and changes nothing', async () => {
    for (const uri of ['ssm:/routeyard/none', 's3://routeyard-desired/missing.json', 's3://no-such-bucket/x.json', 'ssm-path:/routeyard/empty/']) {
      const res = await reconcile(uri);
      expect(res.exitCode, uri).toBe(uri.startsWith('ssm-path') ? 3 : 1);
      expect(res.report.stats.awsCalls.mutating).toBe(0);
      expect(res.report.actions).toEqual([]);
    }
  });

  it('an unknown source scheme is a usage error', async () => {
    const res = await routeyard(['--dry-run', '--source', 'http://example.com/x.json']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('expected file:PATH, ssm:/name, ssm-path:/prefix/ or s3://bucket/key');
  });
});
