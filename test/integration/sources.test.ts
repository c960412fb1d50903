import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { albOnlyDoc, dryRun, freshEmulator, reconcile, routeyard } from '../support/harness.ts';

const ssm = () => new SSMClient({});
const s3 = () => new S3Client({ forcePathStyle: true });

async function put(name: string, value: unknown) {
  await ssm().send(new PutParameterCommand({ Name: name, Value: typeof value === 'string' ? value : JSON.stringify(value), Type: 'String', Overwrite: true }));
}

describe('desired-state sources', () => {
  beforeAll(async () => {
    await freshEmulator();
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
