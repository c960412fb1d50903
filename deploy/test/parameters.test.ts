// The shared stacks write the SSM parameters the RouteSet document references: the same
// names, read from both sides.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDocument } from '../../src/desired/validate.ts';
import { DEPLOY_DIR, REPO_DIR, synthesize } from './support.ts';

type Shared = Record<string, unknown> & { loadBalancers?: Record<string, unknown>[] };
interface Doc { spec: { shared: Shared; services: { name: string; loadBalancer?: string }[] } }
const readDoc = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Doc;
const EXAMPLE = path.join(REPO_DIR, 'desired-state.example.json');
const TWO_SHARDS = path.join(DEPLOY_DIR, 'examples', 'two-shards.routeset.json');

/** The `ssm:` references of `spec.shared`, its load balancers' included. */
function referencedBy(file: string): string[] {
  const { shared } = readDoc(file).spec;
  return [shared, ...(shared.loadBalancers ?? [])]
    .flatMap((o) => Object.values(o))
    .filter((v): v is string => typeof v === 'string' && v.startsWith('ssm:'))
    .map((v) => v.slice('ssm:'.length));
}
const referencedByExample = () => referencedBy(EXAMPLE);

function writtenByShared(overrides: Record<string, unknown> = {}): string[] {
  const s = synthesize(overrides);
  return [s.templates.vpcLink, s.templates.alb].flatMap((t) =>
    Object.values(t.findResources('AWS::SSM::Parameter')).map((r) => (r as { Properties: { Name: string } }).Properties.Name),
  );
}

describe('SSM parameters shared between the stacks and the document', () => {
  it('every ssm: reference of desired-state.example.json is written by a shared stack, under exactly that name', () => {
    const referenced = referencedByExample();
    expect(referenced.sort()).toEqual([
      '/acmecorp/shared/alb-dns-name',
      '/acmecorp/shared/alb-hosted-zone-id',
      '/acmecorp/shared/alb-listener-arn',
      '/acmecorp/shared/vpc-id',
      '/acmecorp/shared/vpc-link-id',
    ]);
    const written = writtenByShared();
    for (const name of referenced) expect(written, `${name} is referenced by the document but no shared stack writes it`).toContain(name);
  });

  it('the shared stacks write nothing else but the parameters the stacks read from each other', () => {
    const extra = writtenByShared().filter((n) => !referencedByExample().includes(n)).sort();
    expect(extra).toEqual([
      '/acmecorp/shared/alb-listener-rules-arn-pattern', // the routeyard task role's scope
      // The first ALB's parameters by shard (spec.shared.loadBalancers, see examples/two-shards.routeset.json).
      '/acmecorp/shared/load-balancers/alb-1/alb-dns-name',
      '/acmecorp/shared/load-balancers/alb-1/alb-hosted-zone-id',
      '/acmecorp/shared/load-balancers/alb-1/listener-arn',
      '/acmecorp/shared/load-balancers/alb-1/listener-rules-arn-pattern', // the routeyard task role's scope
      '/acmecorp/shared/private-hosted-zone-id', // the routeyard task role's scope
      '/acmecorp/shared/vpc-link-security-group-id', // the ALB security group's only source
    ]);
  });

  it.each([1, 2, 10])('the parameters the routeyard stack reads at deploy time are ones the shared stacks write (albCount %i)', (albCount) => {
    const overrides = { 'routeyard:albCount': albCount };
    const s = synthesize(overrides);
    const written = writtenByShared(overrides);
    const read = Object.values(s.templates.routeyard.toJSON().Parameters as Record<string, { Type: string; Default?: string }>)
      .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value'))
      .map((p) => p.Default!)
      .filter((name) => !name.startsWith('/cdk-bootstrap/')); // CDK's own bootstrap version check
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(written).toContain(name);
    // One listener and one rules pattern per ALB.
    expect(read.filter((n) => /listener-arn$/.test(n))).toHaveLength(albCount);
    expect(read.filter((n) => /listener-rules-arn-pattern$/.test(n))).toHaveLength(albCount);
  });
});

describe('examples/two-shards.routeset.json: two ALBs (issue #18)', () => {
  const doc = readDoc(TWO_SHARDS);
  const app = synthesize({ 'routeyard:albCount': 2 });

  it("is a valid RouteSet (routeyard's own schema and semantic checks)", () => {
    const text = readFileSync(TWO_SHARDS, 'utf8');
    expect(() => validateDocument(text)).not.toThrow();
    // The check can fail: a pin to a shard the document does not list.
    expect(() => validateDocument(text.replace('"loadBalancer": "alb-2"', '"loadBalancer": "alb-3"'))).toThrow();
  });

  it('references, per shard, the parameters the ALB stack writes with albCount 2, and the shared ones', () => {
    const referenced = referencedBy(TWO_SHARDS);
    expect(referenced.sort()).toEqual([
      '/acmecorp/shared/load-balancers/alb-1/alb-dns-name',
      '/acmecorp/shared/load-balancers/alb-1/alb-hosted-zone-id',
      '/acmecorp/shared/load-balancers/alb-1/listener-arn',
      '/acmecorp/shared/load-balancers/alb-2/alb-dns-name',
      '/acmecorp/shared/load-balancers/alb-2/alb-hosted-zone-id',
      '/acmecorp/shared/load-balancers/alb-2/listener-arn',
      '/acmecorp/shared/vpc-id',
      '/acmecorp/shared/vpc-link-id',
    ]);
    const written = writtenByShared({ 'routeyard:albCount': 2 });
    for (const name of referenced) expect(written, `${name} is referenced by the example but no shared stack writes it`).toContain(name);
  });

  it("lists the app's shards by their names, without the one-ALB shorthand; a pinned service names one of them", () => {
    const { shared, services } = doc.spec;
    expect(shared.loadBalancers!.map((lb) => lb.name)).toEqual(app.config.loadBalancers.map((lb) => lb.name));
    for (const key of ['listenerArn', 'albDnsName', 'albHostedZoneId']) expect(shared, key).not.toHaveProperty([key]);
    const pinned = services.filter((s) => s.loadBalancer !== undefined);
    expect(pinned.length).toBeGreaterThan(0);
    expect(pinned.length).toBeLessThan(services.length);
    for (const s of pinned) expect(app.config.loadBalancers.map((lb) => lb.name)).toContain(s.loadBalancer);
  });
});
