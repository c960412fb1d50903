// The shared stacks write the SSM parameters the RouteSet document references: the same
// names, read from both sides.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR, synthesize } from './support.ts';

function referencedByExample(): string[] {
  const doc = JSON.parse(readFileSync(path.join(REPO_DIR, 'desired-state.example.json'), 'utf8')) as { spec: { shared: Record<string, unknown> } };
  return Object.values(doc.spec.shared)
    .filter((v): v is string => typeof v === 'string' && v.startsWith('ssm:'))
    .map((v) => v.slice('ssm:'.length));
}

function writtenByShared(): string[] {
  const s = synthesize();
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
      '/acmecorp/shared/private-hosted-zone-id', // the routeyard task role's scope
      '/acmecorp/shared/vpc-link-security-group-id', // the ALB security group's only source
    ]);
  });

  it('the parameters the routeyard stack reads at deploy time are ones the shared stacks write', () => {
    const s = synthesize();
    const written = writtenByShared();
    const read = Object.values(s.templates.routeyard.toJSON().Parameters as Record<string, { Type: string; Default?: string }>)
      .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value'))
      .map((p) => p.Default!)
      .filter((name) => !name.startsWith('/cdk-bootstrap/')); // CDK's own bootstrap version check
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(written).toContain(name);
  });
});
