// The controller itself: one Fargate task in the private subnets running the routeyard image
// with no mode flag (the controller), its lease table, its desired-state store, its logs and a
// least-privilege task role (see task-role-policy.ts).
import path from 'node:path';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Cluster, ContainerImage, ContainerInsights, CpuArchitecture, FargateService, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance.ts';
import { PlatformStack, type PlatformStackProps } from './platform-stack.ts';
import { controllerCommand } from './controller-command.ts';
import { EventHints } from './event-hints.ts';
import { Trail } from 'aws-cdk-lib/aws-cloudtrail';
import { addTaskRolePolicy } from './task-role-policy.ts';
import { outputParameterNames, shardParameterNames } from './config.ts';

export type RouteyardStackProps = PlatformStackProps;

/** The port of the controller's endpoints (/healthz, /readyz, /drift, /metrics, the dashboard). */
export const CONTROLLER_PORT = 8080;
/** The repository root: the Dockerfile `cdk deploy` builds when no image is configured. */
export const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..', '..');

export class RouteyardStack extends PlatformStack {
  constructor(scope: Construct, id: string, props: RouteyardStackProps) {
    super(scope, id, props);
    const { config, names, vpc } = this;

    // One customer managed key for what this stack stores: the document, the lease table, the logs.
    const key = new Key(this, 'Key', {
      description: 'routeyard: desired state, lease table and controller logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Desired state: a versioned, encrypted, private bucket (documents grow past SSM's 8 KB
    // Advanced-tier limit at about ten services), or an SSM parameter.
    let sourceUri: string;
    let desiredStateBucket: Bucket | undefined;
    let desiredStateParameterArn: string | undefined;
    if (config.desiredState.kind === 's3') {
      desiredStateBucket = new Bucket(this, 'DesiredStateBucket', {
        encryption: BucketEncryption.KMS,
        encryptionKey: key,
        bucketKeyEnabled: true,
        versioned: true,
        enforceSSL: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [{ id: 'expire-old-document-versions', noncurrentVersionExpiration: Duration.days(365) }],
      });
      const noAccessLogs =
        'The bucket holds one small document read by the controller every few seconds; who changed it is kept by its object versions and CloudTrail. ' +
        'Server access logs would need a second bucket that has the same finding.';
      acknowledgeNag(desiredStateBucket, 'AwsSolutions-S1', noAccessLogs);
      skipCheckov(desiredStateBucket, 'CKV_AWS_18', noAccessLogs);
      sourceUri = `s3://${desiredStateBucket.bucketName}/${config.desiredState.key}`;
      new CfnOutput(this, 'DesiredStateBucketName', { value: desiredStateBucket.bucketName, description: 'Upload the RouteSet document here' });
    } else {
      // CloudFormation cannot create a SecureString; the document holds no secret. Advanced
      // tier: 8 KB instead of 4 KB. The value is a placeholder the controller reports as an
      // invalid document (it changes nothing) until the real one is put.
      const parameter = new StringParameter(this, 'DesiredStateParameter', {
        parameterName: config.desiredState.parameterName,
        stringValue: 'put the RouteSet document here: see the README, Deployment',
        tier: ParameterTier.ADVANCED,
        description: 'The routeyard RouteSet document',
      });
      desiredStateParameterArn = parameter.parameterArn;
      sourceUri = `ssm:${config.desiredState.parameterName}`;
    }

    // The leader lease: partition key `id`, TTL on `ttl` (expiry plus a day), PITR on.
    const leaseTable = new TableV2(this, 'LeaseTable', {
      tableName: config.leaseTableName,
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.customerManagedKey(key),
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logGroup = new LogGroup(this, 'LogGroup', {
      retention: config.logRetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch Logs needs the key to encrypt the group (KMS key policy, Logs user guide "Encrypt log data").
    const logsService = new ServicePrincipal(`logs.${this.region}.amazonaws.com`);
    key.grantEncryptDecrypt(logsService);
    key.grant(logsService, 'kms:DescribeKey');

    const hints = config.eventHints ? new EventHints(this, 'EventHints', key) : undefined;
    if (config.createTrail) {
      // For accounts without a trail: management events of every Region, to an encrypted bucket.
      const trailBucket = new Bucket(this, 'TrailBucket', {
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        versioned: true,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [{ id: 'expire-trail-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(1) }],
      });
      const why = 'The trail bucket holds CloudTrail logs; logging its own accesses would need another bucket with the same finding.';
      acknowledgeNag(trailBucket, 'AwsSolutions-S1', why);
      skipCheckov(trailBucket, 'CKV_AWS_18', why);
      // CloudTrail encrypts with the key only if the key policy lets it (CloudTrail user guide,
      // "Configure AWS KMS key policies for CloudTrail"); CDK's Trail does not add this.
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudTrailEncryptsLogs',
          principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
          actions: ['kms:GenerateDataKey*', 'kms:DescribeKey'],
          resources: ['*'],
          conditions: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${this.partition}:cloudtrail:*:${this.account}:trail/*` } },
        }),
      );
      new Trail(this, 'Trail', { bucket: trailBucket, isMultiRegionTrail: true, includeGlobalServiceEvents: true, enableFileValidation: true, encryptionKey: key });
    }

    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });

    const taskRole = new Role(this, 'TaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'routeyard controller: reads the platform, writes only what it owns',
    });
    const publicZones = config.publicHostedZones.map((zoneName, i) => HostedZone.fromLookup(this, `PublicZone${i}`, { domainName: zoneName }));
    const taskRolePolicies = addTaskRolePolicy(this, taskRole, {
      config,
      // The first shard by today's parameter names (the one-ALB template stays as it was), the
      // others by their own (`<prefix>/load-balancers/<shard>/`).
      listeners: config.loadBalancers.map((shard) => {
        const p = shard.index === 1 ? names : shardParameterNames(config.parameterPrefix, shard.name);
        return {
          listenerArn: StringParameter.valueForStringParameter(this, p.listenerArn),
          listenerRulesArnPattern: StringParameter.valueForStringParameter(this, p.listenerRulesArnPattern),
        };
      }),
      hostedZoneIds: [
        ...publicZones.map((z) => z.hostedZoneId),
        ...(config.privateHostedZoneName ? [StringParameter.valueForStringParameter(this, names.privateHostedZoneId)] : []),
      ],
      zoneNames: [...config.publicHostedZones, ...(config.privateHostedZoneName ? [config.privateHostedZoneName] : [])],
      sharedParameterPrefix: config.parameterPrefix,
      ...(config.outputsPrefix ? { outputsPrefix: config.outputsPrefix } : {}),
      desiredStateParameterArn,
      leaseTableArn: leaseTable.tableArn,
    });
    if (desiredStateBucket && config.desiredState.kind === 's3') {
      // GetObject covers HeadObject (the version check); ListBucket makes a missing key a 404
      // ("the document is not there yet") rather than a 403.
      taskRole.addToPolicy(new PolicyStatement({ sid: 'DesiredStateRead', actions: ['s3:GetObject'], resources: [desiredStateBucket.arnForObjects(config.desiredState.key)] }));
      taskRole.addToPolicy(new PolicyStatement({ sid: 'DesiredStateList', actions: ['s3:ListBucket'], resources: [desiredStateBucket.bucketArn] }));
    }
    // The document, the lease items and nothing else are encrypted with this key.
    // Named actions rather than grantEncryptDecrypt's ReEncrypt*/GenerateDataKey* wildcards.
    // The hint queue: receive and delete (and what the SDK's long poll needs), on that queue only.
    hints?.queue.grant(taskRole, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes');
    key.grant(taskRole, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey');

    const taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: 256,
      memoryLimitMiB: 512,
      taskRole,
      // The image asset is built for linux/amd64 (below) whatever machine runs `cdk deploy`.
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const image = containerImage(this, config.image);
    taskDefinition.addContainer('routeyard', {
      image,
      command: controllerCommand({ ...config, sourceUri, port: CONTROLLER_PORT, ...(hints ? { eventsQueueUrl: hints.queue.queueUrl } : {}) }),
      // No environment: Fargate sets AWS_REGION, and everything else is a flag.
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'routeyard' }),
      portMappings: [{ containerPort: CONTROLLER_PORT }],
      readonlyRootFilesystem: true,
      user: 'node',
      // The controller drains within 25 s of SIGTERM (releases the lease, exits 0).
      stopTimeout: Duration.seconds(30),
      healthCheck: {
        command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${CONTROLLER_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
    });
    if (!config.image || ECR_IMAGE.test(config.image)) {
      acknowledgeNag(taskDefinition.obtainExecutionRole(), 'AwsSolutions-IAM5[Resource::*]',
        'CDK grants the execution role ecr:GetAuthorizationToken to pull the image from ECR; ECR authorizes that action only on Resource "*" (SAR). ' +
          'Its other permissions are scoped to the asset repository and the log group.');
    }

    const securityGroup = new SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'routeyard controller: HTTPS out to AWS APIs; no ingress unless a dashboard CIDR is set',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'AWS API endpoints (through the NAT or VPC endpoints)');
    if (config.dashboardIngressCidr) {
      securityGroup.addIngressRule(Peer.ipv4(config.dashboardIngressCidr), Port.tcp(CONTROLLER_PORT), 'Dashboard, /drift and /metrics');
    }

    const service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 1,
      assignPublicIp: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      // A rolling deployment starts the new task before stopping the old one. The lease keeps
      // them from writing at once: the new task observes in dry-run until the old one, on
      // SIGTERM, releases the lease; /drift stays answered throughout. The circuit breaker
      // rolls back a task that never gets healthy.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      enableECSManagedTags: true,
    });

    if (config.ecsInfrastructureRole) this.ecsInfrastructureRole();
    if (config.outputsPrefix) {
      new CfnOutput(this, 'OutputsPrefix', { value: config.outputsPrefix, description: "The RouteSet's spec.shared.outputsPrefix: routeyard publishes each service's outputs under <prefix>/services/<name>/" });
    }

    if (hints) new CfnOutput(this, 'EventsQueueUrl', { value: hints.queue.queueUrl, description: 'The --events-queue the controller long-polls' });
    new CfnOutput(this, 'Source', { value: sourceUri, description: 'The --source the controller reads' });
    new CfnOutput(this, 'LeaseTableName', { value: leaseTable.tableName, description: 'The --lease-table of the controller and of CI runs' });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: service.serviceName });
    new CfnOutput(this, 'LogGroupName', { value: logGroup.logGroupName, description: "The controller's pino JSON logs" });
    new CfnOutput(this, 'TaskRoleArn', { value: taskRole.roleArn, description: "The controller's role; a CI job's role for --reconcile-once needs the same policy" });
    new CfnOutput(this, 'TaskRolePolicyArns', {
      value: Fn.join(',', taskRolePolicies.map((p) => p.managedPolicyArn)),
      description: "The task role's managed policies (comma-separated): attach them to a CI job's role for --reconcile-once",
    });
  }

  /**
   * The Amazon ECS infrastructure role for load balancers (ECS developer guide, "Amazon ECS
   * infrastructure IAM role for load balancers"): trusted by ecs.amazonaws.com, with the AWS
   * managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers. Services whose RouteSet
   * entry says `deployment: {strategy: "ecs"}` name it as loadBalancers[].advancedConfiguration.roleArn,
   * and ECS uses it to move the production (and test) rule's forward weights between the two
   * target groups routeyard keeps. One role for the platform; a service stack needs
   * iam:PassRole on it (CloudFormation's deployment role has it with the default bootstrap).
   */
  private ecsInfrastructureRole(): Role {
    const { config } = this;
    const role = new Role(this, 'EcsInfrastructureRole', {
      assumedBy: new ServicePrincipal('ecs.amazonaws.com'),
      description: 'ECS blue/green, linear and canary deployments of services behind the shared ALB (advancedConfiguration.roleArn)',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName(ECS_INFRASTRUCTURE_POLICY)],
    });
    acknowledgeNag(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${ECS_INFRASTRUCTURE_POLICY}]`,
      'The ECS developer guide prescribes this AWS managed policy for the ECS infrastructure role for load balancers; AWS revises it as ECS deployments gain features. ' +
        'Only ecs.amazonaws.com may assume the role, and only for services whose advancedConfiguration names it (passing it needs iam:PassRole).');
    new CfnOutput(this, 'EcsInfrastructureRoleArn', {
      value: role.roleArn,
      description: "advancedConfiguration.roleArn of the ECS services whose RouteSet entry has deployment.strategy \"ecs\" (blue/green, linear, canary)",
    });
    if (config.outputsPrefix) {
      // Beside <prefix>/services/, where routeyard writes: the task role cannot change it.
      new StringParameter(this, 'EcsInfrastructureRoleArnParameter', {
        parameterName: outputParameterNames(config.outputsPrefix).ecsInfrastructureRoleArn,
        stringValue: role.roleArn,
        description: 'The ECS infrastructure role for load balancers (advancedConfiguration.roleArn)',
      });
    }
    return role;
  }
}

/** The AWS managed policy of the ECS infrastructure role for load balancers (arn:aws:iam::aws:policy/...). */
export const ECS_INFRASTRUCTURE_POLICY = 'AmazonECSInfrastructureRolePolicyForLoadBalancers';

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+)(?::([\w.-]+)|@(sha256:[a-f0-9]{64}))?$/;

/**
 * The image: built from the repository's Dockerfile by `cdk deploy` (linux/amd64), or the
 * given URI. An image in this account's ECR is referenced as a repository, so the execution
 * role is granted the pull; any other registry must be public.
 */
function containerImage(scope: Construct, uri: string | undefined): ContainerImage {
  if (!uri) return ContainerImage.fromAsset(REPOSITORY_ROOT, { platform: Platform.LINUX_AMD64 });
  const ecr = ECR_IMAGE.exec(uri);
  if (ecr) {
    const repository = Repository.fromRepositoryAttributes(scope, 'ImageRepository', {
      repositoryName: ecr[3]!,
      repositoryArn: `arn:${Stack.of(scope).partition}:ecr:${ecr[2]}:${ecr[1]}:repository/${ecr[3]}`,
    });
    return ContainerImage.fromEcrRepository(repository, ecr[5] ?? ecr[4] ?? 'latest');
  }
  return ContainerImage.fromRegistry(uri);
}
