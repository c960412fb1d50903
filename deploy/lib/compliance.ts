// Written exceptions to the two scanners the templates pass: cdk-nag (AwsSolutions pack, on the
// construct tree) and checkov (on the synthesized templates). Every exception carries its
// reason next to the resource it is about, and both land in the template's metadata, so a
// reviewer reads them where the resource is.
import { CfnResource, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledge a cdk-nag finding on a construct (and its children), with the reason. */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Skip a checkov check on one CloudFormation resource, with the reason: checkov reads
 * `Metadata.checkov.skip[]` ({id, comment}) from the template.
 */
export function skipCheckov(scope: IConstruct, id: string, reason: string): void {
  const resource = scope instanceof CfnResource ? scope : scope.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`skipCheckov(${id}): ${scope.node.path} has no CloudFormation resource`);
  const existing = (resource.getMetadata('checkov') as { skip?: { id: string; comment: string }[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, { id, comment: reason }] });
}
