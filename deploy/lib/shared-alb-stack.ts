// The shared internal ALB: one HTTP listener whose default action answers 404 and whose rules
// (one per service, matched on the routing header) routeyard manages. Only the VPC link's
// ENIs may reach it. Its listener ARN, DNS name, canonical hosted zone and VPC id are
// published as the SSM parameters the RouteSet document references.
//
// With `albCount` above 1, several such ALBs ("shards", issue #18): the same ALB, listener,
// security group and WAF association each, access logs to the one bucket under a prefix of
// their own, and each shard's parameters under `<prefix>/load-balancers/<shard>/`. An ALB
// holds at most 100 target groups (not adjustable) and 100 rules by default; routeyard
// places services across the shards the document lists.
import { CfnOutput, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { ApplicationLoadBalancer, ApplicationProtocol, ListenerAction, type ApplicationListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PrivateHostedZone } from 'aws-cdk-lib/aws-route53';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance.ts';
import { shardParameterNames, type LoadBalancerShard } from './config.ts';
import { PlatformStack, type PlatformStackProps } from './platform-stack.ts';

export type SharedAlbStackProps = PlatformStackProps;

/** The listener's default action: what a request carrying no known service header gets. */
export const NO_MATCH_BODY = 'no matching service header';

export class SharedAlbStack extends PlatformStack {
  /** The shared ALBs, in order: `shards[0]` is the first (today's) one. */
  readonly shards: Shard[];

  constructor(scope: Construct, id: string, props: SharedAlbStackProps) {
    super(scope, id, props);
    const { config, names, vpc } = this;

    // Access logs: private, TLS-only, encrypted, expired by a lifecycle rule. ALB access
    // logs can only be delivered to a bucket encrypted with SSE-S3 (ELB user guide, "Access
    // logs for your Application Load Balancer": "The only server-side encryption option
    // that's supported is Amazon S3-managed keys (SSE-S3)").
    const accessLogs = new Bucket(this, 'AccessLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(config.albAccessLogExpirationDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    const logsOfLogs =
      'This bucket is the destination of the ALB access logs. Logging its own accesses would need another bucket with the same finding; ' +
      'writes come only from the ELB log delivery and reads are audited by CloudTrail.';
    acknowledgeNag(accessLogs, 'AwsSolutions-S1', logsOfLogs);
    skipCheckov(accessLogs, 'CKV_AWS_18', logsOfLogs);

    // Each ALB admits the VPC link's ENIs on the listener port and nothing else. The group's
    // id is read from SSM at deploy time (no cross-stack export).
    const vpcLinkSecurityGroupId = StringParameter.valueForStringParameter(this, names.vpcLinkSecurityGroupId);
    this.shards = config.loadBalancers.map((shard) => this.loadBalancer(shard, accessLogs, vpcLinkSecurityGroupId));
    // The first ALB's parameters keep today's names (spec.shared.listenerArn, ... of the one-ALB document).
    const { alb, listener } = this.shards[0]!;

    if (config.privateHostedZoneName) {
      const zone = new PrivateHostedZone(this, 'PrivateHostedZone', {
        zoneName: config.privateHostedZoneName,
        vpc,
        comment: 'Private names of the platform services (routeyard writes their records)',
      });
      new StringParameter(this, 'PrivateHostedZoneIdParameter', {
        parameterName: names.privateHostedZoneId,
        stringValue: zone.hostedZoneId,
        description: 'The private hosted zone (spec.shared.privateHostedZone of the RouteSet)',
      });
      new CfnOutput(this, 'PrivateHostedZoneId', { value: zone.hostedZoneId, description: 'The private hosted zone id' });
    }

    const parameter = (id: string, parameterName: string, value: string, description: string) =>
      new StringParameter(this, id, { parameterName, stringValue: value, description });
    parameter('ListenerArnParameter', names.listenerArn, listener.listenerArn, 'The shared ALB listener (spec.shared.listenerArn)');
    parameter('AlbDnsNameParameter', names.albDnsName, alb.loadBalancerDnsName, "The shared ALB's DNS name (spec.shared.albDnsName)");
    parameter('AlbHostedZoneIdParameter', names.albHostedZoneId, alb.loadBalancerCanonicalHostedZoneId, "The shared ALB's canonical hosted zone (spec.shared.albHostedZoneId)");
    // The routeyard stack scopes the task role's rule writes to this listener's rules with it.
    parameter('ListenerRulesArnPatternParameter', names.listenerRulesArnPattern, rulesArnPattern(listener.listenerArn),
      "The ARN pattern of the shared listener's rules (the routeyard task role's scope)");
    parameter('VpcIdParameter', names.vpcId, vpc.vpcId, 'The platform VPC (spec.shared.vpcId)');

    // Every shard's own parameters, the first one's included (spec.shared.loadBalancers[]).
    for (const { shard, scope, alb: shardAlb, listener: shardListener } of this.shards) {
      const p = shardParameterNames(config.parameterPrefix, shard.name);
      const shardParameter = (id: string, parameterName: string, value: string, description: string) =>
        new StringParameter(scope, id, { parameterName, stringValue: value, description });
      const of = `shared ALB ${shard.name} (spec.shared.loadBalancers[name=${shard.name}]`;
      shardParameter('ListenerArnParameter', p.listenerArn, shardListener.listenerArn, `The listener of ${of}.listenerArn)`);
      shardParameter('AlbDnsNameParameter', p.albDnsName, shardAlb.loadBalancerDnsName, `The DNS name of ${of}.albDnsName)`);
      shardParameter('AlbHostedZoneIdParameter', p.albHostedZoneId, shardAlb.loadBalancerCanonicalHostedZoneId, `The canonical hosted zone of ${of}.albHostedZoneId)`);
      shardParameter('ListenerRulesArnPatternParameter', p.listenerRulesArnPattern, rulesArnPattern(shardListener.listenerArn),
        `The ARN pattern of the rules of shared ALB ${shard.name}'s listener (the routeyard task role's scope)`);
      if (shard.index > 1) {
        new CfnOutput(this, `ListenerArn${shard.index}`, { value: shardListener.listenerArn, description: `The listener of shared ALB ${shard.name}` });
        new CfnOutput(this, `AlbDnsName${shard.index}`, { value: shardAlb.loadBalancerDnsName, description: `The DNS name of shared ALB ${shard.name}` });
      }
    }

    new CfnOutput(this, 'ListenerArn', { value: listener.listenerArn, description: 'The shared listener routeyard manages rules on' });
    new CfnOutput(this, 'AlbDnsName', { value: alb.loadBalancerDnsName, description: "The shared ALB's DNS name" });
    new CfnOutput(this, 'AccessLogsBucketName', { value: accessLogs.bucketName, description: 'Where the ALB writes its access logs' });
  }

  /**
   * One shared ALB, its security group, its listener and its WAF association. The first shard's
   * live at the stack's root under the ids the one-ALB stack gave them (an existing ALB is never
   * replaced); each other shard's in a scope of its own, `Shard<index>`.
   */
  private loadBalancer(shard: LoadBalancerShard, accessLogs: Bucket, vpcLinkSecurityGroupId: string): Shard {
    const { config, vpc } = this;
    const first = shard.index === 1;
    const scope = new Construct(this, `Shard${shard.index}`);
    const at = first ? this : scope;
    const which = first ? '' : ` ${shard.name}`;

    const albSecurityGroup = new SecurityGroup(at, 'AlbSecurityGroup', {
      vpc,
      description: `Shared internal ALB${which}: ingress from the shared VPC link ENIs only`,
      allowAllOutbound: false,
    });
    albSecurityGroup.addIngressRule(Peer.securityGroupId(vpcLinkSecurityGroupId), Port.tcp(config.listenerPort), 'From the shared VPC link ENIs');
    // Targets are the services' tasks in the VPC, on whatever port each target group uses.
    albSecurityGroup.addEgressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.allTcp(), 'To service targets in the VPC');

    const alb = new ApplicationLoadBalancer(at, 'Alb', {
      vpc,
      loadBalancerName: shard.albName,
      internetFacing: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: albSecurityGroup,
      deletionProtection: true,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    // One bucket, one prefix per ALB.
    alb.logAccessLogs(accessLogs, first ? 'shared-alb' : `shared-alb-${shard.index}`);

    const listener = alb.addListener('HttpListener', {
      port: config.listenerPort,
      protocol: ApplicationProtocol.HTTP,
      // Without `open: false` CDK would add an ingress rule from 0.0.0.0/0.
      open: false,
      defaultAction: ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: NO_MATCH_BODY }),
    });
    const plainHttp =
      'The listener is internal and reached only through the VPC link from API Gateway, which terminates TLS for clients; ' +
      'the security group admits only the VPC link ENIs. HTTPS here would need a certificate for an internal name and gains no exposure reduction.';
    skipCheckov(listener, 'CKV_AWS_2', plainHttp);
    skipCheckov(listener, 'CKV_AWS_103', plainHttp);

    if (config.wafWebAclArn) {
      new CfnWebACLAssociation(at, 'WafAssociation', { resourceArn: alb.loadBalancerArn, webAclArn: config.wafWebAclArn });
    }
    return { shard, scope, alb, listener };
  }
}

/** One shared ALB of the stack, with the scope its own parameters are created in. */
export interface Shard {
  shard: LoadBalancerShard;
  scope: Construct;
  alb: ApplicationLoadBalancer;
  listener: ApplicationListener;
}

/**
 * listener/app/NAME/LBID/LISTENERID -> listener-rule/app/NAME/LBID/LISTENERID/*: the routeyard
 * stack scopes the task role's rule writes to each listener's rules with it.
 */
function rulesArnPattern(listenerArn: string): string {
  return Fn.join('', [Fn.join(':listener-rule/', Fn.split(':listener/', listenerArn)), '/*']);
}
