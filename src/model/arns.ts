/**
 * ARNs routeyard builds or compares. Pure string rules, taken from the AWS ARN format
 * ("Amazon Resource Names", AWS General Reference) and each service's resource types.
 */

/**
 * The partition of a Region: `aws` for commercial Regions, `aws-cn` for China,
 * `aws-us-gov` for GovCloud, and the isolated partitions. ARNs routeyard builds must use
 * it, or IAM and the service reject them outside the commercial partition.
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * The Region Route 53's global API is signed for, by partition (Route 53 endpoints, AWS
 * General Reference): us-east-1 in aws, cn-northwest-1 in aws-cn, us-gov-west-1 in
 * aws-us-gov. Signing for us-east-1 in China or GovCloud fails.
 */
export function route53RegionFor(region: string): string {
  switch (partitionOf(region)) {
    case 'aws-cn':
      return 'cn-northwest-1';
    case 'aws-us-gov':
      return 'us-gov-west-1';
    case 'aws-iso':
      return 'us-iso-east-1';
    case 'aws-iso-b':
      return 'us-isob-east-1';
    default:
      return 'us-east-1';
  }
}

/** `arn:<partition>:apigateway:<region>::/apis/<id>`: the ARN TagResource takes for an HTTP API. */
export function httpApiArn(region: string, apiId: string): string {
  return `arn:${partitionOf(region)}:apigateway:${region}::/apis/${apiId}`;
}

/** `arn:<partition>:apigateway:<region>::/domainnames/<name>`: the ARN TagResource takes for a custom domain. */
export function domainNameArn(region: string, name: string): string {
  return `arn:${partitionOf(region)}:apigateway:${region}::/domainnames/${name}`;
}

/**
 * A listener ARN is `...:listener/app/<lb-name>/<lb-id>/<listener-id>`; its load balancer is
 * `...:loadbalancer/app/<lb-name>/<lb-id>` (ELBv2 resource types, "Elastic Load Balancing
 * resource types" in the Service Authorization Reference).
 */
export function loadBalancerArnOfListener(listenerArn: string): string {
  const m = /^(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:)listener\/((?:app|net|gwy)\/[^/]+\/[^/]+)\/[^/]+$/.exec(listenerArn);
  if (!m) throw new Error(`not a load balancer listener ARN: ${listenerArn}`);
  return `${m[1]}loadbalancer/${m[2]}`;
}

/** A CloudWatch Logs log group ARN, with or without the `:*` that CDK and CloudFormation append. */
export const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w.\-/#]{1,512}(:\*)?$/;

/**
 * API Gateway stores a stage's access-log destination without a trailing `:*` (the form
 * `Fn::GetAtt LogGroup.Arn` and CDK's `logGroup.logGroupArn` give), so the two spellings
 * name the same log group and compare equal once normalized.
 */
export function normalizeLogGroupArn(arn: string): string {
  return arn.endsWith(':*') ? arn.slice(0, -2) : arn;
}
