// The shared VPC link: API Gateway's ENIs in the private subnets, through which every
// service's HTTP API reaches the shared ALB. Its id (and its ENIs' security group, which the
// ALB admits) are published as SSM parameters, not CloudFormation exports, so each stack can
// be updated or deleted without the others pinning it.
import { CfnOutput } from 'aws-cdk-lib';
import { VpcLink } from 'aws-cdk-lib/aws-apigatewayv2';
import { Peer, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { PlatformStack, type PlatformStackProps } from './platform-stack.ts';

export type SharedVpcLinkStackProps = PlatformStackProps;

export class SharedVpcLinkStack extends PlatformStack {
  readonly vpcLinkId: string;

  constructor(scope: Construct, id: string, props: SharedVpcLinkStackProps) {
    super(scope, id, props);
    const { config, names, vpc } = this;

    // The ENIs only open connections to the ALB's listener inside the VPC: no ingress, and
    // egress to the listener port in the VPC's CIDR only.
    const eniSecurityGroup = new SecurityGroup(this, 'VpcLinkEniSecurityGroup', {
      vpc,
      description: 'Shared VPC link ENIs: egress to the shared ALB listener only',
      allowAllOutbound: false,
    });
    eniSecurityGroup.addEgressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.tcp(config.listenerPort), 'To the shared ALB listener');

    const vpcLink = new VpcLink(this, 'VpcLink', {
      vpc,
      vpcLinkName: config.vpcLinkName,
      subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [eniSecurityGroup],
    });
    this.vpcLinkId = vpcLink.vpcLinkId;

    new StringParameter(this, 'VpcLinkIdParameter', {
      parameterName: names.vpcLinkId,
      stringValue: vpcLink.vpcLinkId,
      description: 'The shared VPC link (spec.shared.vpcLinkId of the RouteSet)',
    });
    new StringParameter(this, 'VpcLinkSecurityGroupParameter', {
      parameterName: names.vpcLinkSecurityGroupId,
      stringValue: eniSecurityGroup.securityGroupId,
      description: "The shared VPC link ENIs' security group, the only source the shared ALB admits",
    });
    new CfnOutput(this, 'VpcLinkId', { value: vpcLink.vpcLinkId, description: 'The shared VPC link (also in SSM)' });
    new CfnOutput(this, 'VpcLinkSecurityGroupId', { value: eniSecurityGroup.securityGroupId, description: "The VPC link ENIs' security group" });
  }
}
