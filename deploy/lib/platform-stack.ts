// What every stack of this app starts from: the deployment's settings, the SSM parameter
// names the stacks share, and the platform VPC (looked up; the answer is in cdk.context.json).
import { Stack, type StackProps } from 'aws-cdk-lib';
import { Vpc, type IVpc } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { sharedParameterNames, type DeployConfig } from './config.ts';

export interface PlatformStackProps extends StackProps {
  config: DeployConfig;
}

export class PlatformStack extends Stack {
  readonly config: DeployConfig;
  readonly names: ReturnType<typeof sharedParameterNames>;
  readonly vpc: IVpc;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.config = props.config;
    this.names = sharedParameterNames(props.config.parameterPrefix);
    this.vpc = Vpc.fromLookup(this, 'Vpc', { vpcId: props.config.vpcId });
  }
}
