// The shared internal ALB: one HTTP listener whose default action answers 404 and whose rules
// (one per service, matched on the routing header) routeyard manages. Only the VPC link's
// ENIs may reach it. Its listener ARN, DNS name, canonical hosted zone and VPC id are
// published as the SSM parameters the RouteSet document references.
import { CfnOutput, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { ApplicationLoadBalancer, ApplicationProtocol, ListenerAction } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PrivateHostedZone } from 'aws-cdk-lib/aws-route53';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance.ts';
import { PlatformStack, type PlatformStackProps } from './platform-stack.ts';

export type SharedAlbStackProps = PlatformStackProps;

/** The listener's default action: what a request carrying no known service header gets. */
export const NO_MATCH_BODY = 'no matching service header';

export class SharedAlbStack extends PlatformStack {
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

    // The ALB admits the VPC link's ENIs on the listener port and nothing else. The group's
    // id is read from SSM at deploy time (no cross-stack export).
    const vpcLinkSecurityGroupId = StringParameter.valueForStringParameter(this, names.vpcLinkSecurityGroupId);
    const albSecurityGroup = new SecurityGroup(this, 'AlbSecurityGroup', {
      vpc,
      description: 'Shared internal ALB: ingress from the shared VPC link ENIs only',
      allowAllOutbound: false,
    });
    albSecurityGroup.addIngressRule(Peer.securityGroupId(vpcLinkSecurityGroupId), Port.tcp(config.listenerPort), 'From the shared VPC link ENIs');
    // Targets are the services' tasks in the VPC, on whatever port each target group uses.
    albSecurityGroup.addEgressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.allTcp(), 'To service targets in the VPC');

    const alb = new ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      loadBalancerName: config.albName,
      internetFacing: false,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: albSecurityGroup,
      deletionProtection: true,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    alb.logAccessLogs(accessLogs, 'shared-alb');

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
      new CfnWebACLAssociation(this, 'WafAssociation', { resourceArn: alb.loadBalancerArn, webAclArn: config.wafWebAclArn });
    }

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
    // listener/app/NAME/LBID/LISTENERID -> listener-rule/app/NAME/LBID/LISTENERID/*: the
    // routeyard stack scopes the task role's rule writes to this listener's rules with it.
    parameter('ListenerRulesArnPatternParameter', names.listenerRulesArnPattern,
      Fn.join('', [Fn.join(':listener-rule/', Fn.split(':listener/', listener.listenerArn)), '/*']),
      "The ARN pattern of the shared listener's rules (the routeyard task role's scope)");
    parameter('VpcIdParameter', names.vpcId, vpc.vpcId, 'The platform VPC (spec.shared.vpcId)');

    new CfnOutput(this, 'ListenerArn', { value: listener.listenerArn, description: 'The shared listener routeyard manages rules on' });
    new CfnOutput(this, 'AlbDnsName', { value: alb.loadBalancerDnsName, description: "The shared ALB's DNS name" });
    new CfnOutput(this, 'AccessLogsBucketName', { value: accessLogs.bucketName, description: 'Where the ALB writes its access logs' });
  }
}
