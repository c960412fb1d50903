// cdk-nag's AwsSolutions pack over the whole app: no finding without a written
// acknowledgement, and every acknowledgement says why.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app.ts';
import { committedContext } from './support.ts';

function findings(overrides: Record<string, unknown> = {}) {
  const app = new App({ context: { ...committedContext(), ...overrides } });
  buildApp(app);
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return { app, violations: report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)) };
}

export function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason }))),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no finding that is not acknowledged with a reason', () => {
    const { app, violations } = findings();
    expect(violations).toEqual([]);
    // aws-cdk-lib acknowledges its own CloudFormation-Validate notes (W3010 on lookups' AZs); count cdk-nag's.
    const acks = acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions-'));
    // The list the README and the release note give, with the count.
    console.log(`cdk-nag acknowledgements: ${acks.length}\n` + acks.map((a) => `  ${a.id} on ${a.path}: ${a.reason}`).join('\n'));
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) expect(a.reason.length, `${a.id} on ${a.path} needs a reason`).toBeGreaterThan(40);
  });

  it.each([
    ['an SSM parameter as the source', { 'routeyard:desiredStateSource': 'ssm' }],
    ['a WAF web ACL', { 'routeyard:wafWebAclArn': 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/platform/1' }],
    ['no private zone', { 'routeyard:privateHostedZoneName': '' }],
    ['an image in ECR', { 'routeyard:image': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/routeyard:0.1.0' }],
    ['an image elsewhere', { 'routeyard:image': 'public.ecr.aws/acmecorp/routeyard:0.1.0' }],
    ['a dashboard CIDR', { 'routeyard:dashboardIngressCidr': '10.99.0.0/16' }],
    ['a CloudTrail trail', { 'routeyard:createTrail': true }],
    ['no event hints', { 'routeyard:eventHints': false }],
    ['no outputs prefix and no ECS infrastructure role', { 'routeyard:outputsPrefix': '', 'routeyard:ecsInfrastructureRole': false }],
    ['the ECS infrastructure role without an outputs prefix', { 'routeyard:outputsPrefix': '', 'routeyard:ecsInfrastructureRole': true }],
    ['two ALBs', { 'routeyard:albCount': 2 }],
    ['two ALBs and a WAF web ACL', { 'routeyard:albCount': 2, 'routeyard:wafWebAclArn': 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/platform/1' }],
    ['ten ALBs', { 'routeyard:albCount': 10 }],
  ])('with %s, still no unacknowledged finding', (_what, overrides) => {
    expect(findings(overrides).violations).toEqual([]);
  });

  it('still finds what nobody acknowledged (the check can fail): a dashboard open to the internet', () => {
    const { violations } = findings({ 'routeyard:dashboardIngressCidr': '0.0.0.0/0' });
    expect(violations).toContain('AwsSolutions-EC23 Routeyard/ServiceSecurityGroup/Resource');
  });
});
