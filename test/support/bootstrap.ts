import { ApiGatewayV2Client, CreateVpcLinkCommand } from '@aws-sdk/client-apigatewayv2';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateListenerCommand, CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/**
 * Creates in the emulator what routeyard's bootstrap stacks create in a real account: a VPC
 * with two private subnets, the shared VPC link, the shared internal ALB with an HTTP
 * listener whose default action is a fixed 404, and the SSM parameters the example
 * document refers to. The names follow the pattern's article.
 */
export interface SharedPlatform {
  vpcId: string;
  subnetIds: string[];
  vpcLinkId: string;
  loadBalancerArn: string;
  listenerArn: string;
  albDnsName: string;
  albHostedZoneId: string;
  publicZoneId: string;
  privateZoneId: string;
  parameters: typeof PARAMETER_NAMES;
}

export const PARAMETER_NAMES = {
  listenerArn: '/acmecorp/shared/alb-listener-arn',
  vpcLinkId: '/acmecorp/shared/vpc-link-id',
  vpcId: '/acmecorp/shared/vpc-id',
  albDnsName: '/acmecorp/shared/alb-dns-name',
  albHostedZoneId: '/acmecorp/shared/alb-hosted-zone-id',
};

/** The zones the example document names: the public acmecorp.com and the private internal.acmecorp.com. */
export const PUBLIC_ZONE = 'acmecorp.com';
export const PRIVATE_ZONE = 'internal.acmecorp.com';

export async function bootstrapSharedPlatform(): Promise<SharedPlatform> {
  const ec2 = new EC2Client({});
  const elbv2 = new ElasticLoadBalancingV2Client({});
  const apigw = new ApiGatewayV2Client({});
  const ssm = new SSMClient({});

  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    const s = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${i + 1}.0/24`, AvailabilityZone: `eu-west-1${az}` }));
    subnetIds.push(s.Subnet!.SubnetId!);
  }
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'shared-vpc-link-eni', Description: 'SG for shared VPC Link ENIs', VpcId: vpcId }));
  const link = await apigw.send(new CreateVpcLinkCommand({ Name: 'shared-backend-apis-vpc-link', SubnetIds: subnetIds, SecurityGroupIds: [sg.GroupId!] }));
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: 'shared-qa-services-alb', Scheme: 'internal', Type: 'application', Subnets: subnetIds }));
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const listener = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found — no matching service header' } },
      ],
    }),
  );
  const listenerArn = listener.Listeners![0]!.ListenerArn!;
  const vpcLinkId = link.VpcLinkId!;
  const albDnsName = lb.LoadBalancers![0]!.DNSName!.toLowerCase();
  const albHostedZoneId = lb.LoadBalancers![0]!.CanonicalHostedZoneId!;
  for (const [key, value] of Object.entries({ listenerArn, vpcLinkId, vpcId, albDnsName, albHostedZoneId })) {
    await ssm.send(new PutParameterCommand({ Name: PARAMETER_NAMES[key as keyof typeof PARAMETER_NAMES], Value: value, Type: 'String', Overwrite: true }));
  }
  const r53 = new Route53Client({ region: 'us-east-1' });
  const publicZone = await r53.send(new CreateHostedZoneCommand({ Name: PUBLIC_ZONE, CallerReference: `public-${Date.now()}` }));
  const privateZone = await r53.send(
    new CreateHostedZoneCommand({ Name: PRIVATE_ZONE, CallerReference: `private-${Date.now()}`, VPC: { VPCId: vpcId, VPCRegion: 'eu-west-1' }, HostedZoneConfig: { PrivateZone: true } }),
  );
  for (const c of [ec2, elbv2, apigw, ssm, r53]) c.destroy();
  return {
    vpcId,
    subnetIds,
    vpcLinkId,
    loadBalancerArn,
    listenerArn,
    albDnsName,
    albHostedZoneId,
    publicZoneId: publicZone.HostedZone!.Id!.replace('/hostedzone/', ''),
    privateZoneId: privateZone.HostedZone!.Id!.replace('/hostedzone/', ''),
    parameters: PARAMETER_NAMES,
  };
}

/** Another internal ALB in the platform's VPC with its HTTP listener (default 404): a second shard. */
export interface ExtraLoadBalancer {
  loadBalancerArn: string;
  listenerArn: string;
  albDnsName: string;
  albHostedZoneId: string;
}

export async function addLoadBalancer(platform: SharedPlatform, name: string): Promise<ExtraLoadBalancer> {
  const elbv2 = new ElasticLoadBalancingV2Client({});
  try {
    const lb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: name, Scheme: 'internal', Type: 'application', Subnets: platform.subnetIds }))).LoadBalancers![0]!;
    const listener = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn!,
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not Found' } }],
      }),
    );
    return { loadBalancerArn: lb.LoadBalancerArn!, listenerArn: listener.Listeners![0]!.ListenerArn!, albDnsName: lb.DNSName!.toLowerCase(), albHostedZoneId: lb.CanonicalHostedZoneId! };
  } finally {
    elbv2.destroy();
  }
}
