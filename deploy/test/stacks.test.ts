// The three stacks synthesize offline (no AWS credentials: the lookups' answers are in the
// committed cdk.context.json) and carry the properties the platform depends on.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, shardAlbName } from '../lib/config.ts';
import { ECS_INFRASTRUCTURE_POLICY } from '../lib/routeyard-stack.ts';
import { NO_MATCH_BODY } from '../lib/shared-alb-stack.ts';
import { only, synthesize, type Synthesized } from './support.ts';

const PRIVATE_SUBNETS = ['subnet-0c2c2c2c2c2c2c2c2', 'subnet-0d2d2d2d2d2d2d2d2'];

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

describe('shared VPC link stack', () => {
  it('puts the VPC link in the private subnets with its own security group', () => {
    s.templates.vpcLink.hasResourceProperties('AWS::ApiGatewayV2::VpcLink', {
      Name: 'shared-backend-apis-vpc-link',
      SubnetIds: PRIVATE_SUBNETS,
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^VpcLinkEniSecurityGroup'), 'GroupId'] }],
    });
  });

  it("lets the ENIs reach only the listener port inside the VPC, and admits nothing", () => {
    const sg = only(s.templates.vpcLink, 'AWS::EC2::SecurityGroup').Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '10.20.0.0/16', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 })]);
  });

  it('publishes the VPC link id and its security group as SSM parameters, never as exports', () => {
    s.templates.vpcLink.hasResourceProperties('AWS::SSM::Parameter', { Name: '/acmecorp/shared/vpc-link-id', Value: { Ref: Match.stringLikeRegexp('^VpcLink') } });
    s.templates.vpcLink.hasResourceProperties('AWS::SSM::Parameter', { Name: '/acmecorp/shared/vpc-link-security-group-id' });
    for (const t of Object.values(s.templates)) {
      for (const output of Object.values(t.findOutputs('*'))) expect(output).not.toHaveProperty('Export');
    }
  });
});

describe('shared ALB stack', () => {
  it('is an internal ALB in the private subnets with deletion protection, invalid headers dropped and access logs on', () => {
    const alb = only(s.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties;
    expect(alb.Scheme).toBe('internal');
    expect(alb.Name).toBe('shared-qa-services-alb');
    expect(alb.Subnets).toEqual(PRIVATE_SUBNETS);
    const attributes = Object.fromEntries((alb.LoadBalancerAttributes as { Key: string; Value: unknown }[]).map((a) => [a.Key, a.Value]));
    expect(attributes['deletion_protection.enabled']).toBe('true');
    expect(attributes['routing.http.drop_invalid_header_fields.enabled']).toBe('true');
    expect(attributes['access_logs.s3.enabled']).toBe('true');
  });

  it('answers 404 "no matching service header" when no rule matches', () => {
    const listener = only(s.templates.alb, 'AWS::ElasticLoadBalancingV2::Listener').Properties;
    expect(listener.Protocol).toBe('HTTP');
    expect(listener.Port).toBe(80);
    expect(listener.DefaultActions).toEqual([
      { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: NO_MATCH_BODY } },
    ]);
    expect(NO_MATCH_BODY).toBe('no matching service header');
  });

  it("admits only the VPC link's security group, on the listener port", () => {
    const groups = Object.values(s.templates.alb.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    const ingress = (groups[0] as { Properties: { SecurityGroupIngress: unknown[] } }).Properties.SecurityGroupIngress;
    expect(ingress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, SourceSecurityGroupId: { Ref: expect.stringMatching(/^SsmParameterValueacmecorpsharedvpclinksecuritygroupid/) } }),
    ]);
    // No separate ingress resources (CDK writes those for `open: true` or cross-group rules).
    expect(s.templates.alb.findResources('AWS::EC2::SecurityGroupIngress')).toEqual({});
  });

  it('logs to a private, encrypted, TLS-only bucket that expires old logs', () => {
    const bucket = only(s.templates.alb, 'AWS::S3::Bucket').Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.LifecycleConfiguration).toEqual({ Rules: [expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 90 })] });
    s.templates.alb.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('creates the private hosted zone in the VPC when one is named, and none otherwise', () => {
    s.templates.alb.hasResourceProperties('AWS::Route53::HostedZone', { Name: 'internal.acmecorp.com.', VPCs: [{ VPCId: 'vpc-0a1b2c3d4e5f60718', VPCRegion: 'eu-west-1' }] });
    const without = synthesize({ 'routeyard:privateHostedZoneName': '' });
    without.templates.alb.resourceCountIs('AWS::Route53::HostedZone', 0);
    // ...and the task role then names no private zone.
    expect(JSON.stringify(without.templates.routeyard.toJSON())).not.toContain('private-hosted-zone-id');
  });

  it('associates a WAF web ACL only when one is given', () => {
    s.templates.alb.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    const arn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/platform/0a1b2c3d-1111-2222-3333-444455556666';
    const withWaf = synthesize({ 'routeyard:wafWebAclArn': arn });
    withWaf.templates.alb.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: arn, ResourceArn: { Ref: Match.stringLikeRegexp('^Alb') } });
  });
});

describe('routeyard stack', () => {
  const container = () => {
    const td = only(s.templates.routeyard, 'AWS::ECS::TaskDefinition').Properties;
    const defs = td.ContainerDefinitions as Record<string, unknown>[];
    expect(defs).toHaveLength(1);
    return { td, c: defs[0]! };
  };

  it('runs one Fargate task in the private subnets without a public IP, rolling with the lease', () => {
    const svc = only(s.templates.routeyard, 'AWS::ECS::Service').Properties;
    expect(svc.DesiredCount).toBe(1);
    expect(svc.LaunchType).toBe('FARGATE');
    expect(svc.NetworkConfiguration).toEqual({ AwsvpcConfiguration: expect.objectContaining({ AssignPublicIp: 'DISABLED', Subnets: PRIVATE_SUBNETS }) });
    expect(svc.DeploymentConfiguration).toEqual(expect.objectContaining({
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    }));
  });

  it('runs the container as a non-root user on a read-only root filesystem, health-checked on /healthz', () => {
    const { c } = container();
    expect(c.User).toBe('node');
    expect(c.ReadonlyRootFilesystem).toBe(true);
    const hc = c.HealthCheck as { Command: string[]; Interval: number; Retries: number };
    expect(hc.Command[0]).toBe('CMD');
    expect(hc.Command.join(' ')).toContain('http://127.0.0.1:8080/healthz');
    expect(c.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 8080 })]);
  });

  it("wires the daemon's flags from the stack's settings: no mode flag (the controller), the source, the lease", () => {
    const { c } = container();
    const command = c.Command as unknown[];
    const flag = (name: string) => command[command.indexOf(name) + 1];
    expect(command).not.toContain('--reconcile-once');
    expect(command).not.toContain('--dry-run');
    expect(flag('--lease-table')).toBe('routeyard-lease');
    expect(flag('--interval')).toBe('60s');
    expect(flag('--source-poll')).toBe('5s');
    expect(flag('--domain-pace')).toBe('30s');
    expect(flag('--port')).toBe('8080');
    expect(flag('--verify-within')).toBe('10m');
    expect(flag('--verify-budget')).toBe('0.2');
    expect(command).not.toContain('--notify-webhook');
    const hooked = synthesize({ 'routeyard:notifyWebhook': 'https://hooks.slack.com/services/T/B/X', 'routeyard:reportUrl': 'https://routeyard.internal/' });
    const hookedCommand = (only(hooked.templates.routeyard, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as { Command: string[] }[])[0]!.Command;
    expect(hookedCommand.join(' ')).toContain('--notify-webhook https://hooks.slack.com/services/T/B/X --notify-repeat 1h --report-url https://routeyard.internal/');
    expect(JSON.stringify(flag('--source'))).toMatch(/s3:\/\/.*DesiredStateBucket.*routeset\.json/);

    const ssm = synthesize({ 'routeyard:desiredStateSource': 'ssm', 'routeyard:interval': '2m' });
    const ssmCommand = (only(ssm.templates.routeyard, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as { Command: string[] }[])[0]!.Command;
    expect(ssmCommand[ssmCommand.indexOf('--source') + 1]).toBe('ssm:/acmecorp/routeyard/desired-state');
    expect(ssmCommand[ssmCommand.indexOf('--interval') + 1]).toBe('2m');
    ssm.templates.routeyard.hasResourceProperties('AWS::SSM::Parameter', { Name: '/acmecorp/routeyard/desired-state', Tier: 'Advanced' });
    ssm.templates.routeyard.resourceCountIs('AWS::S3::Bucket', 0);
  });

  it('keeps the lease in a table keyed by id, with point-in-time recovery and a TTL attribute', () => {
    const table = only(s.templates.routeyard, 'AWS::DynamoDB::GlobalTable').Properties;
    expect(table.TableName).toBe('routeyard-lease');
    expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table.AttributeDefinitions).toEqual([{ AttributeName: 'id', AttributeType: 'S' }]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(JSON.stringify(table.Replicas)).toContain('"PointInTimeRecoveryEnabled":true');
  });

  it('keeps the document in a versioned, KMS-encrypted, private, TLS-only bucket', () => {
    const bucket = only(s.templates.routeyard, 'AWS::S3::Bucket').Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('aws:kms');
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    s.templates.routeyard.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('sends the logs to a log group with retention', () => {
    const lg = only(s.templates.routeyard, 'AWS::Logs::LogGroup').Properties;
    expect(lg.RetentionInDays).toBe(30);
    const { c } = container();
    expect(c.LogConfiguration).toEqual(expect.objectContaining({ LogDriver: 'awslogs' }));
  });

  it('builds the image from the repository Dockerfile by default, or runs the given image', () => {
    const { c } = container();
    expect(JSON.stringify(c.Image)).toContain('cdk-hnb659fds-container-assets');
    const given = synthesize({ 'routeyard:image': 'public.ecr.aws/acmecorp/routeyard:0.1.0' });
    const image = (only(given.templates.routeyard, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as { Image: string }[])[0]!.Image;
    expect(image).toBe('public.ecr.aws/acmecorp/routeyard:0.1.0');
    // The asset is built for the task's platform, whatever machine runs cdk deploy.
    expect(only(s.templates.routeyard, 'AWS::ECS::TaskDefinition').Properties.RuntimePlatform).toEqual({ CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' });
    const assets = JSON.parse(readFileSync(path.join(s.app.outdir, 'Routeyard.assets.json'), 'utf8')) as { dockerImages: Record<string, { source: { platform?: string } }> };
    expect(Object.values(assets.dockerImages).map((d) => d.source.platform)).toEqual(['linux/amd64']);
    // An image in the account's ECR: the execution role is granted the pull.
    const ecr = synthesize({ 'routeyard:image': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/routeyard:0.1.0' });
    expect(JSON.stringify(ecr.templates.routeyard.toJSON())).toContain(":ecr:eu-west-1:123456789012:repository/routeyard");
    ecr.templates.routeyard.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:BatchGetImage']) })]) },
    });
  });

  it('admits nothing unless a dashboard CIDR is set, and reaches AWS over HTTPS only', () => {
    const sg = only(s.templates.routeyard, 'AWS::EC2::SecurityGroup').Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
    const open = synthesize({ 'routeyard:dashboardIngressCidr': '10.99.0.0/16' });
    expect(only(open.templates.routeyard, 'AWS::EC2::SecurityGroup').Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: '10.99.0.0/16', FromPort: 8080, ToPort: 8080 }),
    ]);
  });
});

describe('event hints (issue #10)', () => {
  it('an encrypted, TLS-only queue with a dead-letter queue, whose policy admits only the EventBridge rules', () => {
    const t = s.templates.routeyard;
    const queues = Object.values(t.findResources('AWS::SQS::Queue')) as { Properties: Record<string, unknown> }[];
    expect(queues).toHaveLength(2);
    for (const q of queues) expect(JSON.stringify(q.Properties.KmsMasterKeyId)).toMatch(/Key/);
    expect(queues.filter((q) => q.Properties.RedrivePolicy)).toHaveLength(1);
    const policies = Object.values(t.findResources('AWS::SQS::QueuePolicy')) as { Properties: { PolicyDocument: { Statement: { Effect: string; Principal?: unknown; Condition?: unknown; Action: unknown }[] } } }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    // Only EventBridge is admitted, and (allowed on a rule's ARN, or denied for any other) only for the two rules.
    for (const st of allows) expect(st.Principal).toEqual({ Service: 'events.amazonaws.com' });
    const onlyRules = statements.find((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition ?? {}).includes('ArnNotEquals'));
    expect(onlyRules?.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(JSON.stringify(onlyRules?.Condition)).toMatch(/aws:SourceArn.*RegionalApiCalls.*Route53ApiCalls/);
    expect(statements.some((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition).includes('aws:SecureTransport'))).toBe(true);
  });

  it('rules match CloudTrail API calls of API Gateway, ELB and ACM here, and Route 53 forwarded from us-east-1', () => {
    s.templates.routeyard.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['apigateway.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'acm.amazonaws.com'] } },
    });
    s.templates.routeyard.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { eventSource: ['route53.amazonaws.com'] } } });
    expect(s.forwarder!.region).toBe('us-east-1');
    s.templates.forwarder!.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { eventSource: ['route53.amazonaws.com'] } },
    });
    expect(JSON.stringify(s.templates.forwarder!.toJSON())).toContain(':events:eu-west-1:123456789012:event-bus/default');
  });

  it("wires --events-queue into the daemon and lets the task role read that queue only", () => {
    const command = (only(s.templates.routeyard, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as { Command: unknown[] }[])[0]!.Command;
    expect(JSON.stringify(command[command.indexOf('--events-queue') + 1])).toMatch(/EventHintsQueue/);
    const policies = Object.values(s.templates.routeyard.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    const sqsStatements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st) => [st.Action].flat().some((a) => a.startsWith('sqs:')));
    expect(sqsStatements).toHaveLength(1);
    expect([sqsStatements[0]!.Action].flat().sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage']);
    expect(JSON.stringify(sqsStatements[0]!.Resource)).toMatch(/EventHintsQueue[0-9A-F]+", "Arn"|EventHintsQueue/);
  });

  it('creates a trail only when asked, and none of this with eventHints false', () => {
    s.templates.routeyard.resourceCountIs('AWS::CloudTrail::Trail', 0);
    const trail = synthesize({ 'routeyard:createTrail': true });
    trail.templates.routeyard.hasResourceProperties('AWS::CloudTrail::Trail', { IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, EnableLogFileValidation: true });
    // CloudTrail may use the stack's key (CDK's Trail does not say so in the key policy).
    trail.templates.routeyard.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'CloudTrailEncryptsLogs', Principal: { Service: 'cloudtrail.amazonaws.com' } })]) },
    });
    const off = synthesize({ 'routeyard:eventHints': false });
    off.templates.routeyard.resourceCountIs('AWS::SQS::Queue', 0);
    expect(off.forwarder).toBeUndefined();
  });
});

describe('ECS deployments and published outputs (issue #16)', () => {
  const roles = (t: Synthesized['templates']['routeyard']) =>
    Object.entries(t.findResources('AWS::IAM::Role')).filter(([id]) => id.startsWith('EcsInfrastructureRole')) as [string, { Properties: Record<string, unknown> }][];

  it('creates the ECS infrastructure role for load balancers: trusted by ECS alone, the AWS managed policy and nothing else', () => {
    const found = roles(s.templates.routeyard);
    expect(found).toHaveLength(1);
    const [id, role] = found[0]!;
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(role.Properties.ManagedPolicyArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${ECS_INFRASTRUCTURE_POLICY}`]] }]);
    expect(ECS_INFRASTRUCTURE_POLICY).toBe('AmazonECSInfrastructureRolePolicyForLoadBalancers');
    expect(role.Properties.Policies).toBeUndefined();
    // No inline or attached policy of its own.
    const attached = Object.values(s.templates.routeyard.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[] } }[];
    expect(attached.filter((p) => p.Properties.Roles.some((r) => r.Ref === id))).toEqual([]);
    // Its ARN: a documented output, and beside (not below) <prefix>/services/ in SSM.
    const output = s.templates.routeyard.findOutputs('EcsInfrastructureRoleArn').EcsInfrastructureRoleArn as { Value: unknown; Description: string };
    expect(output.Value).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    expect(output.Description).toMatch(/advancedConfiguration\.roleArn/);
    s.templates.routeyard.hasResourceProperties('AWS::SSM::Parameter', { Name: '/acmecorp/routeyard/ecs-infrastructure-role-arn', Type: 'String', Value: { 'Fn::GetAtt': [id, 'Arn'] } });
    expect(s.templates.routeyard.findOutputs('OutputsPrefix').OutputsPrefix).toMatchObject({ Value: '/acmecorp/routeyard' });
  });

  it('without an outputs prefix: the role and its output, no parameter; switched off: no role at all', () => {
    const noPrefix = synthesize({ 'routeyard:outputsPrefix': '' }).templates.routeyard;
    expect(roles(noPrefix)).toHaveLength(1);
    expect(Object.keys(noPrefix.findOutputs('EcsInfrastructureRoleArn'))).toEqual(['EcsInfrastructureRoleArn']);
    expect(JSON.stringify(noPrefix.findResources('AWS::SSM::Parameter'))).not.toContain('ecs-infrastructure-role-arn');
    expect(noPrefix.findOutputs('OutputsPrefix')).toEqual({});
    const off = synthesize({ 'routeyard:ecsInfrastructureRole': false }).templates.routeyard;
    expect(roles(off)).toEqual([]);
    expect(off.findOutputs('EcsInfrastructureRoleArn')).toEqual({});
    expect(JSON.stringify(off.toJSON())).not.toContain(ECS_INFRASTRUCTURE_POLICY);
  });
});

describe('context settings', () => {
  it.each([
    ['routeyard:listenerPort', 0, /listenerPort.*whole number from 1 to 65535/],
    ['routeyard:vpcId', 'vpc_123', /vpcId.*VPC id/],
    ['routeyard:desiredStateSource', 'dynamodb', /desiredStateSource.*"s3" or "ssm"/],
    ['routeyard:interval', '60', /interval.*duration/],
    ['routeyard:logRetentionDays', 10, /logRetentionDays.*not a retention/],
    ['routeyard:albName', 'internal-alb', /albName/],
    ['routeyard:routeSetName', '', /routeSetName.*required/],
    ['routeyard:publicHostedZones', ['AcmeCorp.com.'], /publicHostedZones.*lower-case DNS name/],
    ['routeyard:interval', '500ms', /interval.*below the controller's minimum of 1s/],
    ['routeyard:sourcePoll', '100ms', /sourcePoll.*minimum of 200ms/],
    ['routeyard:wafWebAclArn', 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1', /wafWebAclArn.*us-east-1.*eu-west-1/],
    ['routeyard:outputsPrefix', 'acmecorp/routeyard', /outputsPrefix.*SSM parameter path/],
    ['routeyard:outputsPrefix', '/acmecorp/routeyard/', /outputsPrefix.*no trailing "\/"/],
    ['routeyard:outputsPrefix', '/acmecorp//routeyard', /outputsPrefix.*SSM parameter path/],
    ['routeyard:outputsPrefix', '/acme corp', /outputsPrefix.*letters, digits/],
    ['routeyard:outputsPrefix', '/AWS/routeyard', /outputsPrefix.*"aws" or "ssm"/],
    ['routeyard:outputsPrefix', '/ssm-outputs', /outputsPrefix.*"aws" or "ssm"/],
    ['routeyard:outputsPrefix', '/a'.repeat(13), /outputsPrefix.*13 levels; at most 12/],
    ['routeyard:outputsPrefix', `/${'a'.repeat(512)}`, /outputsPrefix.*longer than 512/],
    ['routeyard:outputsPrefix', '/acmecorp', /outputsPrefix.*\/acmecorp\/services\/\*.*parameterPrefix/, { 'routeyard:parameterPrefix': '/acmecorp/services/shared' }],
    ['routeyard:outputsPrefix', '/acmecorp', /outputsPrefix.*desiredStateParameter/, { 'routeyard:desiredStateSource': 'ssm', 'routeyard:desiredStateParameter': '/acmecorp/services/routeset' }],
    ['routeyard:ecsInfrastructureRole', 'yes', /ecsInfrastructureRole.*true or false/],
    ['routeyard:albCount', 0, /albCount.*whole number from 1 to 10: the number of shared ALBs/],
    ['routeyard:albCount', 11, /albCount.*whole number from 1 to 10/],
    ['routeyard:albCount', 'two', /albCount.*whole number from 1 to 10/],
    ['routeyard:albCount', 1.5, /albCount.*whole number from 1 to 10/],
    // ALB 2 would be the first ALB's own name (30 characters + "-2").
    ['routeyard:albName', `${'a'.repeat(30)}-2`, /albName.*names two ALBs "a{30}-2"/, { 'routeyard:albCount': 2 }],
    ['routeyard:albName', 'internal', /albName.*"internal-2".*starts with "internal-"/, { 'routeyard:albCount': 2 }],
  ] as [string, unknown, RegExp, Record<string, unknown>?][])('a bad %s fails synth with the key and the reason', (key, value, message, more = {}) => {
    expect(() => synthesize({ ...more, [key]: value })).toThrow(ConfigError);
    expect(() => synthesize({ ...more, [key]: value })).toThrow(message);
  });

  it.each(['/acmecorp/routeyard', '/Acme_Corp/route.yard-1', '/awesome-co/x', '/x'.repeat(12), '/acmecorp/shared'])(
    'takes the outputs prefix %s',
    (prefix) => {
      expect(synthesize({ 'routeyard:outputsPrefix': prefix }).config.outputsPrefix).toBe(prefix);
    },
  );
});

describe('several shared ALBs (issue #18)', () => {
  const WAF = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/platform/0a1b2c3d-1111-2222-3333-444455556666';
  type Resource = { Type: string; Properties: Record<string, unknown> };
  const resources = (t: Synthesized['templates']['alb'], type: string) => Object.entries(t.findResources(type)) as [string, Resource][];
  const parameterValues = (t: Synthesized['templates']['alb']) =>
    Object.fromEntries(resources(t, 'AWS::SSM::Parameter').map(([, r]) => [r.Properties.Name as string, r.Properties.Value]));

  // The SharedAlb template of the one-ALB app before issue #18: an ALB, its listener or its
  // security group under another logical id would be replaced (a new DNS name, every rule lost).
  const ONE_ALB_RESOURCES = {
    AccessLogsBucket83982689: 'AWS::S3::Bucket',
    AccessLogsBucketPolicy7F77476F: 'AWS::S3::BucketPolicy',
    AlbSecurityGroup86A59E99: 'AWS::EC2::SecurityGroup',
    Alb16C2F182: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    AlbHttpListener00C8B33E: 'AWS::ElasticLoadBalancingV2::Listener',
    PrivateHostedZone6354E1BB: 'AWS::Route53::HostedZone',
    PrivateHostedZoneIdParameterB3A529D3: 'AWS::SSM::Parameter',
    ListenerArnParameter12B61E0F: 'AWS::SSM::Parameter',
    AlbDnsNameParameter170A2E77: 'AWS::SSM::Parameter',
    AlbHostedZoneIdParameterDC3E5367: 'AWS::SSM::Parameter',
    ListenerRulesArnPatternParameterD7DD2F4C: 'AWS::SSM::Parameter',
    VpcIdParameter44761537: 'AWS::SSM::Parameter',
  };
  const ONE_ALB_PARAMETER_NAMES = [
    '/acmecorp/shared/alb-dns-name',
    '/acmecorp/shared/alb-hosted-zone-id',
    '/acmecorp/shared/alb-listener-arn',
    '/acmecorp/shared/alb-listener-rules-arn-pattern',
    '/acmecorp/shared/private-hosted-zone-id',
    '/acmecorp/shared/vpc-id',
  ];
  const SHARD_PARAMETERS = ['listener-arn', 'alb-dns-name', 'alb-hosted-zone-id', 'listener-rules-arn-pattern'];

  it('with the default albCount, the ALB stack keeps every logical id, parameter and output of the one-ALB stack, and only adds alb-1\'s parameters', () => {
    const t = s.templates.alb;
    const json = t.toJSON() as { Resources: Record<string, Resource>; Parameters: Record<string, { Default?: string }>; Outputs: Record<string, unknown> };
    for (const [id, type] of Object.entries(ONE_ALB_RESOURCES)) expect(json.Resources[id]?.Type, id).toBe(type);
    // The ALB and its listener by name, the WAF association's id too.
    expect(Object.keys(t.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))).toEqual(['Alb16C2F182']);
    expect(Object.keys(t.findResources('AWS::ElasticLoadBalancingV2::Listener'))).toEqual(['AlbHttpListener00C8B33E']);
    expect(Object.keys(t.findResources('AWS::EC2::SecurityGroup'))).toEqual(['AlbSecurityGroup86A59E99']);
    expect(Object.keys(synthesize({ 'routeyard:wafWebAclArn': WAF }).templates.alb.findResources('AWS::WAFv2::WebACLAssociation'))).toEqual(['WafAssociation']);
    // What is new: alb-1's own parameters, nothing else.
    const added = Object.entries(json.Resources).filter(([id]) => !(id in ONE_ALB_RESOURCES));
    expect(added.map(([, r]) => r.Properties.Name).sort()).toEqual(SHARD_PARAMETERS.map((k) => `/acmecorp/shared/load-balancers/alb-1/${k}`).sort());
    expect(added.every(([, r]) => r.Type === 'AWS::SSM::Parameter')).toBe(true);
    // Today's parameter names, the same template parameters and outputs.
    expect(Object.keys(parameterValues(t)).filter((n) => !n.includes('/load-balancers/')).sort()).toEqual(ONE_ALB_PARAMETER_NAMES);
    expect(Object.values(json.Parameters).map((p) => p.Default).sort()).toEqual(['/acmecorp/shared/vpc-link-security-group-id', '/cdk-bootstrap/hnb659fds/version']);
    expect(Object.keys(json.Outputs).sort()).toEqual(['AccessLogsBucketName', 'AlbDnsName', 'ListenerArn', 'PrivateHostedZoneId']);
    // The routeyard stack reads the first listener by today's names, and no shard parameter.
    expect(JSON.stringify(s.templates.routeyard.toJSON().Parameters)).not.toContain('load-balancers');
  });

  it('alb-1\'s parameters name the first ALB, as today\'s do', () => {
    const values = parameterValues(s.templates.alb);
    for (const [legacy, shard] of [['alb-listener-arn', 'listener-arn'], ['alb-dns-name', 'alb-dns-name'], ['alb-hosted-zone-id', 'alb-hosted-zone-id'], ['alb-listener-rules-arn-pattern', 'listener-rules-arn-pattern']]) {
      expect(values[`/acmecorp/shared/load-balancers/alb-1/${shard}`], shard).toEqual(values[`/acmecorp/shared/${legacy}`]);
    }
    expect(values['/acmecorp/shared/load-balancers/alb-1/listener-arn']).toEqual({ Ref: 'AlbHttpListener00C8B33E' });
  });

  describe('albCount 2 with a WAF web ACL', () => {
    let two: Synthesized;
    beforeAll(() => {
      two = synthesize({ 'routeyard:albCount': 2, 'routeyard:wafWebAclArn': WAF });
    });

    it('two internal ALBs of distinct names in the private subnets, deletion protection and access logs to the one bucket, each under its own prefix', () => {
      const albs = resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(albs.map(([id]) => id).sort()).toEqual(['Alb16C2F182', expect.stringMatching(/^Shard2Alb[0-9A-F]{8}$/)].sort());
      expect(albs.map(([, r]) => r.Properties.Name).sort()).toEqual(['shared-qa-services-alb', 'shared-qa-services-alb-2']);
      const bucket = Object.keys(two.templates.alb.findResources('AWS::S3::Bucket'));
      expect(bucket).toHaveLength(1);
      const prefixes = albs.map(([, r]) => {
        expect(r.Properties.Scheme).toBe('internal');
        expect(r.Properties.Subnets).toEqual(PRIVATE_SUBNETS);
        const a = Object.fromEntries((r.Properties.LoadBalancerAttributes as { Key: string; Value: unknown }[]).map((x) => [x.Key, x.Value]));
        expect(a['deletion_protection.enabled']).toBe('true');
        expect(a['routing.http.drop_invalid_header_fields.enabled']).toBe('true');
        expect(a['access_logs.s3.enabled']).toBe('true');
        expect(a['access_logs.s3.bucket']).toEqual({ Ref: bucket[0] });
        return a['access_logs.s3.prefix'];
      });
      expect(prefixes.sort()).toEqual(['shared-alb', 'shared-alb-2']);
      // The bucket admits each ALB's log delivery under its own prefix.
      const policy = JSON.stringify(only(two.templates.alb, 'AWS::S3::BucketPolicy').Properties.PolicyDocument);
      expect(policy).toContain('/shared-alb/AWSLogs/123456789012/*');
      expect(policy).toContain('/shared-alb-2/AWSLogs/123456789012/*');
    });

    it('two HTTP listeners on the same port, each answering 404 "no matching service header" when no rule matches', () => {
      const listeners = resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::Listener');
      expect(listeners.map(([id]) => id).sort()).toEqual(['AlbHttpListener00C8B33E', expect.stringMatching(/^Shard2AlbHttpListener[0-9A-F]{8}$/)].sort());
      for (const [, l] of listeners) {
        expect(l.Properties.Protocol).toBe('HTTP');
        expect(l.Properties.Port).toBe(80);
        expect(l.Properties.DefaultActions).toEqual([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: NO_MATCH_BODY } }]);
      }
      expect(listeners.map(([, l]) => (l.Properties.LoadBalancerArn as { Ref: string }).Ref).sort()).toEqual(
        resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([id]) => id).sort(),
      );
    });

    it("each ALB has its own security group, admitting only the VPC link's group on the listener port", () => {
      const groups = resources(two.templates.alb, 'AWS::EC2::SecurityGroup');
      expect(groups).toHaveLength(2);
      for (const [, g] of groups) {
        expect(g.Properties.SecurityGroupIngress).toEqual([
          expect.objectContaining({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, SourceSecurityGroupId: { Ref: expect.stringMatching(/^SsmParameterValueacmecorpsharedvpclinksecuritygroupid/) } }),
        ]);
      }
      expect(two.templates.alb.findResources('AWS::EC2::SecurityGroupIngress')).toEqual({});
      const albGroups = resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([, r]) => JSON.stringify(r.Properties.SecurityGroups));
      expect(new Set(albGroups).size).toBe(2);
    });

    it('associates the WAF web ACL with both ALBs', () => {
      const associations = resources(two.templates.alb, 'AWS::WAFv2::WebACLAssociation');
      expect(associations).toHaveLength(2);
      for (const [, a] of associations) expect(a.Properties.WebACLArn).toBe(WAF);
      expect(associations.map(([, a]) => (a.Properties.ResourceArn as { Ref: string }).Ref).sort()).toEqual(
        resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([id]) => id).sort(),
      );
    });

    it('writes each shard\'s parameters under <prefix>/load-balancers/<shard>/, and keeps today\'s naming the first ALB', () => {
      const values = parameterValues(two.templates.alb);
      const [listener2] = resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::Listener').map(([id]) => id).filter((id) => id.startsWith('Shard2'));
      const [alb2] = resources(two.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([id]) => id).filter((id) => id.startsWith('Shard2'));
      for (const shard of ['alb-1', 'alb-2']) for (const k of SHARD_PARAMETERS) expect(values, `${shard}/${k}`).toHaveProperty([`/acmecorp/shared/load-balancers/${shard}/${k}`]);
      expect(values['/acmecorp/shared/load-balancers/alb-2/listener-arn']).toEqual({ Ref: listener2 });
      expect(values['/acmecorp/shared/load-balancers/alb-2/alb-dns-name']).toEqual({ 'Fn::GetAtt': [alb2, 'DNSName'] });
      expect(values['/acmecorp/shared/load-balancers/alb-2/alb-hosted-zone-id']).toEqual({ 'Fn::GetAtt': [alb2, 'CanonicalHostedZoneID'] });
      expect(JSON.stringify(values['/acmecorp/shared/load-balancers/alb-2/listener-rules-arn-pattern'])).toContain(`{"Ref":"${listener2}"}`);
      expect(values['/acmecorp/shared/alb-listener-arn']).toEqual({ Ref: 'AlbHttpListener00C8B33E' });
      expect(values['/acmecorp/shared/load-balancers/alb-1/listener-arn']).toEqual({ Ref: 'AlbHttpListener00C8B33E' });
      // The first ALB's resources keep their ids with a second one beside them.
      for (const [id, type] of Object.entries(ONE_ALB_RESOURCES)) expect((two.templates.alb.toJSON() as { Resources: Record<string, Resource> }).Resources[id]?.Type, id).toBe(type);
      expect(Object.keys(two.templates.alb.findOutputs('*')).sort()).toEqual(['AccessLogsBucketName', 'AlbDnsName', 'AlbDnsName2', 'ListenerArn', 'ListenerArn2', 'PrivateHostedZoneId']);
    });

    it("the routeyard stack reads the second listener and its rules' pattern from alb-2's parameters", () => {
      const read = Object.values(two.templates.routeyard.toJSON().Parameters as Record<string, { Default?: string }>).map((p) => p.Default);
      expect(read).toEqual(expect.arrayContaining([
        '/acmecorp/shared/alb-listener-arn',
        '/acmecorp/shared/alb-listener-rules-arn-pattern',
        '/acmecorp/shared/load-balancers/alb-2/listener-arn',
        '/acmecorp/shared/load-balancers/alb-2/listener-rules-arn-pattern',
      ]));
      expect(read.filter((n) => n?.includes('/load-balancers/alb-1/'))).toEqual([]);
    });
  });

  it('ten ALBs: names unique, at most 32 characters, never "internal-"; ALB names are cut to fit', () => {
    const ten = synthesize({ 'routeyard:albCount': 10 });
    const names = resources(ten.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([, r]) => r.Properties.Name as string);
    expect(names).toHaveLength(10);
    expect(new Set(names).size).toBe(10);
    for (const n of names) expect(n).toMatch(/^(?!internal-)[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/);
    ten.templates.alb.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 10);
    expect(ten.config.loadBalancers.map((lb) => lb.name)).toEqual(Array.from({ length: 10 }, (_, i) => `alb-${i + 1}`));
    expect(shardAlbName('a'.repeat(32), 1)).toBe('a'.repeat(32));
    expect(shardAlbName('a'.repeat(32), 2)).toBe(`${'a'.repeat(30)}-2`);
    expect(shardAlbName('a'.repeat(32), 10)).toBe(`${'a'.repeat(29)}-10`);
    expect(shardAlbName(`${'a'.repeat(28)}-bcd`, 10)).toBe(`${'a'.repeat(28)}-10`); // the "-" left at the cut is dropped
    const long = synthesize({ 'routeyard:albCount': 10, 'routeyard:albName': `shared-${'x'.repeat(25)}` });
    const longNames = resources(long.templates.alb, 'AWS::ElasticLoadBalancingV2::LoadBalancer').map(([, r]) => r.Properties.Name as string);
    expect(new Set(longNames).size).toBe(10);
    for (const n of longNames) expect(n.length).toBeLessThanOrEqual(32);
  });

  it('takes albCount as a string from -c, and 1 when the key is absent', () => {
    expect(synthesize({ 'routeyard:albCount': '3' }).config.loadBalancers).toHaveLength(3);
    expect(synthesize({ 'routeyard:albCount': undefined }).config.loadBalancers).toEqual([{ index: 1, name: 'alb-1', albName: 'shared-qa-services-alb' }]);
  });
});
