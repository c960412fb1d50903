// The service-side example (deploy/examples/ecs-blue-green-service.ts) synthesizes offline and
// hands the routes routeyard publishes to ECS: the strategy, the primary and alternate target
// groups and the rules, all read from the SSM parameters routeyard writes. It is type-checked
// through this import (tsconfig.json includes deploy/test) and linted with the rest.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { EcsBlueGreenServiceStack, type EcsBlueGreenServiceProps } from '../examples/ecs-blue-green-service.ts';
import { outputParameterNames, SERVICE_OUTPUT_KEYS } from '../lib/config.ts';
import { committedContext, REPO_DIR } from './support.ts';

const PREFIX = '/acmecorp/routeyard';
const published = (key: string) => outputParameterNames(PREFIX).service('orders', key as (typeof SERVICE_OUTPUT_KEYS)[number]);

function synth(props: Partial<EcsBlueGreenServiceProps> = {}) {
  const app = new App({ context: committedContext() });
  const stack = new EcsBlueGreenServiceStack(app, 'Orders', {
    env: { account: '123456789012', region: 'eu-west-1' },
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    outputsPrefix: PREFIX,
    serviceName: 'orders',
    testTraffic: true,
    image: 'public.ecr.aws/acmecorp/orders:1.0.0',
    ...props,
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as { Parameters: Record<string, { Type: string; Default?: string }>; Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  /** A `{Ref: <parameter>}` as the SSM name it reads at deploy time. */
  const ssmName = (value: unknown): string => {
    const ref = (value as { Ref?: string }).Ref;
    const parameter = ref ? json.Parameters[ref] : undefined;
    expect(parameter?.Type, JSON.stringify(value)).toBe('AWS::SSM::Parameter::Value<String>');
    return parameter!.Default!;
  };
  const services = Object.values(json.Resources).filter((r) => r.Type === 'AWS::ECS::Service');
  expect(services).toHaveLength(1);
  return { app, stack, template, json, service: services[0]!.Properties, ssmName };
}

describe('example: an ECS service taking its routes from routeyard (deploy/examples/ecs-blue-green-service.ts)', () => {
  it('blue/green by default, attached to the primary target group, with the alternate group, the rules and the role, all from SSM', () => {
    const { service, ssmName } = synth();
    // No deployment controller: ECS's own (CODE_DEPLOY or EXTERNAL would refuse the strategy).
    expect(service.DeploymentController).toBeUndefined();
    expect(service.DeploymentConfiguration).toMatchObject({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 10 });
    const lbs = service.LoadBalancers as { ContainerName: string; ContainerPort: number; TargetGroupArn: unknown; AdvancedConfiguration: Record<string, unknown> }[];
    expect(lbs).toHaveLength(1);
    const [lb] = lbs;
    expect(lb!.ContainerName).toBe('app');
    expect(lb!.ContainerPort).toBe(8080);
    expect(ssmName(lb!.TargetGroupArn)).toBe(published('target-group-arn'));
    const advanced = lb!.AdvancedConfiguration;
    expect(Object.keys(advanced).sort()).toEqual(['AlternateTargetGroupArn', 'ProductionListenerRule', 'RoleArn', 'TestListenerRule']);
    expect(ssmName(advanced.AlternateTargetGroupArn)).toBe(published('alternate-target-group-arn'));
    expect(ssmName(advanced.ProductionListenerRule)).toBe(published('production-rule-arn'));
    expect(ssmName(advanced.TestListenerRule)).toBe(published('test-rule-arn'));
    // The routeyard stack's role (ecsInfrastructureRole), beside the services' outputs.
    expect(ssmName(advanced.RoleArn)).toBe(outputParameterNames(PREFIX).ecsInfrastructureRoleArn);
  });

  it('reads only keys routeyard publishes, and no role of its own for ECS', () => {
    const { json, template } = synth();
    const read = Object.values(json.Parameters).filter((p) => p.Type === 'AWS::SSM::Parameter::Value<String>').map((p) => p.Default!).filter((n) => !n.startsWith('/cdk-bootstrap/'));
    const keys = read.filter((n) => n.startsWith(`${PREFIX}/services/orders/`)).map((n) => n.slice(`${PREFIX}/services/orders/`.length));
    expect(keys.sort()).toEqual(['alternate-target-group-arn', 'production-rule-arn', 'target-group-arn', 'test-rule-arn']);
    for (const k of keys) expect(SERVICE_OUTPUT_KEYS).toContain(k);
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as { Properties: { AssumeRolePolicyDocument: unknown } }[];
    for (const r of roles) expect(JSON.stringify(r.Properties.AssumeRolePolicyDocument)).not.toContain('"ecs.amazonaws.com"');
  });

  it('canary and linear are the alternative settings; without test traffic there is no test rule; a role ARN can be given', () => {
    const canary = synth({ trafficShift: 'canary' }).service;
    expect(canary.DeploymentConfiguration).toMatchObject({ Strategy: 'CANARY', CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 } });
    const linear = synth({ trafficShift: 'linear' }).service;
    expect(linear.DeploymentConfiguration).toMatchObject({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 3 } });

    const role = 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers';
    const plain = synth({ testTraffic: false, infrastructureRoleArn: role });
    const advanced = (plain.service.LoadBalancers as { AdvancedConfiguration: Record<string, unknown> }[])[0]!.AdvancedConfiguration;
    expect(advanced.TestListenerRule).toBeUndefined();
    expect(advanced.RoleArn).toBe(role);
    expect(JSON.stringify(plain.json.Parameters)).not.toMatch(/test-rule-arn|ecs-infrastructure-role-arn/);
  });

  it('passes cdk-nag (AwsSolutions) and cfn-lint, and synthesizes without warnings', async () => {
    const { app, stack } = synth();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))).toEqual([]);
    const artifact = app.synth().getStackByName(stack.stackName);
    expect(artifact.messages.filter((m) => m.level !== 'info').map((m) => m.entry.data)).toEqual([]);

    const lint = path.join(process.env.ROUTEYARD_IAC_VENV ?? path.join(REPO_DIR, '.venv-iac'), 'bin', 'cfn-lint');
    if (!existsSync(lint)) throw new Error(`${lint} is missing: \`make test\` installs cfn-lint from requirements-iac.txt`);
    const dir = mkdtempSync(path.join(tmpdir(), 'routeyard-example-'));
    try {
      const file = path.join(dir, 'Orders.template.json');
      writeFileSync(file, JSON.stringify(artifact.template));
      const result = await promisify(execFile)(lint, ['--format', 'parseable', file]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
      expect(result.out).toBe('');
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
