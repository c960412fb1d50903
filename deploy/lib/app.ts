// The three stacks, in deployment order, from the context's settings. bin/app.ts (the CDK
// app `cdk` runs) and the tests both build the app here.
import { App, Aspects, Tags } from 'aws-cdk-lib';
import { readConfig, type DeployConfig } from './config.ts';
import { RouteyardStack } from './routeyard-stack.ts';
import { SharedAlbStack } from './shared-alb-stack.ts';
import { SharedVpcLinkStack } from './shared-vpc-link-stack.ts';
import { EventHintsForwarderStack } from './event-hints.ts';
import { WriteNagSuppressionsToCloudFormationAspect } from 'cdk-nag';

export interface RouteyardApp {
  app: App;
  config: DeployConfig;
  vpcLink: SharedVpcLinkStack;
  alb: SharedAlbStack;
  routeyard: RouteyardStack;
  forwarder?: EventHintsForwarderStack;
}

export const STACK_NAMES = { vpcLink: 'SharedVpcLink', alb: 'SharedAlb', routeyard: 'Routeyard', eventsForwarder: 'RouteyardEventsForwarder' } as const;

export function buildApp(app: App): RouteyardApp {
  const config = readConfig(app.node);
  const env = { account: config.account, region: config.region };
  const vpcLink = new SharedVpcLinkStack(app, STACK_NAMES.vpcLink, { env, config, description: 'Shared VPC link for the private API platform (routeyard)' });
  const alb = new SharedAlbStack(app, STACK_NAMES.alb, { env, config, description: 'Shared internal ALB for the private API platform (routeyard)' });
  const routeyard = new RouteyardStack(app, STACK_NAMES.routeyard, { env, config, description: 'routeyard controller on ECS Fargate' });
  // The ALB stack reads the VPC link's security group from SSM, the routeyard stack reads the
  // listener and zone from SSM: deploy order without CloudFormation exports.
  alb.addStackDependency(vpcLink, 'reads the VPC link security group id from SSM');
  routeyard.addStackDependency(alb, 'reads the listener ARN and private zone id from SSM');
  // Route 53's CloudTrail events are delivered in us-east-1 only: forward them to the platform Region.
  const forwarder =
    config.eventHints && config.region !== 'us-east-1'
      ? new EventHintsForwarderStack(app, STACK_NAMES.eventsForwarder, {
          env: { account: config.account, region: 'us-east-1' },
          platformRegion: config.region,
          description: `routeyard: Route 53 API-call events forwarded to ${config.region}`,
        })
      : undefined;
  Tags.of(app).add('app', 'routeyard');
  // The acknowledged cdk-nag rules are written into each resource's metadata (audit trail).
  Aspects.of(app).add(new WriteNagSuppressionsToCloudFormationAspect());
  return { app, config, vpcLink, alb, routeyard, ...(forwarder ? { forwarder } : {}) };
}
