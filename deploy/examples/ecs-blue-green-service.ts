// Example: a service team's stack (not part of the routeyard app) for an ECS Fargate service
// behind the shared ALB whose RouteSet entry says `deployment: {strategy: "ecs"}`.
//
// routeyard creates the service's two target groups and its listener rules, and publishes
// their ARNs as SSM String parameters under `<outputsPrefix>/services/<name>/`. This stack
// reads them at deploy time (CloudFormation parameters of type
// AWS::SSM::Parameter::Value<String>) and lets ECS move the traffic: blue/green, canary or
// linear. ECS shifts the production rule's forward weights between the two groups with the
// ECS infrastructure role for load balancers (the routeyard stack's `ecsInfrastructureRole`
// setting creates it and publishes its ARN beside the services' outputs).
//
// Deploy order: the Routeyard stack, then the RouteSet document with this service (routeyard
// must have published its outputs), then this stack, whose deploying role needs iam:PassRole
// on the infrastructure role (CDK's default bootstrap has it). deploy/test/example.test.ts
// synthesizes it.
import { Annotations, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  DeploymentStrategy,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  type AlternateTargetConfig,
  type IAlternateTarget,
} from 'aws-cdk-lib/aws-ecs';
import { ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/** How ECS moves the production traffic from the old tasks to the new ones. */
export type TrafficShift = 'blue-green' | 'canary' | 'linear';

export interface EcsBlueGreenServiceProps extends StackProps {
  /** The platform VPC (the RouteSet's spec.shared.vpcId): the target groups are in it. */
  vpcId: string;
  /** The RouteSet's spec.shared.outputsPrefix, e.g. /acmecorp/routeyard. */
  outputsPrefix: string;
  /** The service's name in the RouteSet (spec.services[].name). */
  serviceName: string;
  /** The entry has deployment.testTraffic: routeyard publishes test-rule-arn. */
  testTraffic?: boolean;
  /** @default 'blue-green' */
  trafficShift?: TrafficShift;
  image: string;
  /** The port the target groups send to (the RouteSet entry's targetGroup.port). @default 8080 */
  containerPort?: number;
  /** @default the parameter <outputsPrefix>/ecs-infrastructure-role-arn (routeyard stack, ecsInfrastructureRole) */
  infrastructureRoleArn?: string;
}

/** The SSM parameter routeyard publishes for a service (`<prefix>/services/<name>/<key>`), read at deploy time. */
export function publishedOutput(scope: Construct, prefix: string, service: string, key: string): string {
  return StringParameter.valueForStringParameter(scope, `${prefix}/services/${service}/${key}`);
}

/**
 * The alternate target group and the rules, by ARN. aws-cdk-lib's own AlternateTarget takes
 * an ApplicationListenerRule construct (rules routeyard owns are not in any CDK app) and
 * creates a role per service; IAlternateTarget lets any ARNs in.
 */
class PublishedAlternateTarget implements IAlternateTarget {
  private readonly config: AlternateTargetConfig;
  constructor(config: AlternateTargetConfig) {
    this.config = config;
  }
  bind(): AlternateTargetConfig {
    return this.config;
  }
}

export class EcsBlueGreenServiceStack extends Stack {
  readonly service: FargateService;

  constructor(scope: Construct, id: string, props: EcsBlueGreenServiceProps) {
    super(scope, id, props);
    const { outputsPrefix: prefix, serviceName: name } = props;
    const containerPort = props.containerPort ?? 8080;
    const output = (key: string) => publishedOutput(this, prefix, name, key);

    // routeyard's outputs for this service.
    const targetGroupArn = output('target-group-arn');
    const alternateTargetGroupArn = output('alternate-target-group-arn');
    const productionListenerRule = output('production-rule-arn');
    const testListenerRule = props.testTraffic ? output('test-rule-arn') : undefined;
    const roleArn = props.infrastructureRoleArn ?? StringParameter.valueForStringParameter(this, `${prefix}/ecs-infrastructure-role-arn`);

    const vpc = Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', { cpu: 256, memoryLimitMiB: 512 });
    taskDefinition.addContainer('app', {
      image: ContainerImage.fromRegistry(props.image),
      portMappings: [{ containerPort }],
      logging: LogDrivers.awsLogs({
        streamPrefix: name,
        logGroup: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      }),
    });

    // The shared ALB's security group sends to the VPC's CIDR (it is not published).
    const securityGroup = new SecurityGroup(this, 'ServiceSecurityGroup', { vpc, description: `${name}: from the shared ALB`, allowAllOutbound: true });
    securityGroup.addIngressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.tcp(containerPort), 'The shared internal ALB');

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 2,
      minHealthyPercent: 100,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      // ECS's built-in strategies (deployment controller ECS, the default).
      ...trafficShift(props.trafficShift ?? 'blue-green'),
    });

    // The primary target group by ARN, with the alternate group and the rules ECS shifts.
    const primary = ApplicationTargetGroup.fromTargetGroupAttributes(this, 'TargetGroup', { targetGroupArn });
    primary.addTarget(
      this.service.loadBalancerTarget({
        containerName: 'app',
        containerPort,
        alternateTarget: new PublishedAlternateTarget({ alternateTargetGroupArn, productionListenerRule, testListenerRule, roleArn }),
      }),
    );

    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-elbv2:albTargetGroupCannotRegisterConnectable', 'The service security group admits the shared ALB (the VPC CIDR) above.');
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ecs:shouldUseCircuitBreaker',
      'The ECS API reference limits the circuit breaker to rolling updates; blue/green, canary and linear keep the old tasks for the bake time, and deploymentAlarms or lifecycleHooks decide a rollback.');
  }
}

/** The FargateService settings of each strategy. */
function trafficShift(kind: TrafficShift) {
  switch (kind) {
    case 'blue-green':
      // All traffic moves to the new tasks at once; the old ones stay for the bake time (rollback).
      return { deploymentStrategy: DeploymentStrategy.BLUE_GREEN, bakeTime: Duration.minutes(10) };
    case 'canary':
      // 10 % for 5 minutes, then the rest.
      return {
        deploymentStrategy: DeploymentStrategy.CANARY,
        canaryConfiguration: { stepPercent: 10, stepBakeTime: Duration.minutes(5) },
        bakeTime: Duration.minutes(10),
      };
    case 'linear':
      // 20 % more every 3 minutes.
      return {
        deploymentStrategy: DeploymentStrategy.LINEAR,
        linearConfiguration: { stepPercent: 20, stepBakeTime: Duration.minutes(3) },
        bakeTime: Duration.minutes(10),
      };
  }
}
