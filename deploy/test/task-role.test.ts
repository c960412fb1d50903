// The task role's policy, walked statement by statement: no mutating action on Resource "*"
// unless AWS offers nothing narrower (UNSCOPABLE_WRITES) or the statement requires the
// owner tag; no service-wide resource wildcard; writes conditioned on the owner tag where
// the service evaluates tags.
import { describe, expect, it } from 'vitest';
import { OWNER_TAG_KEY, SERVICE_TAG_KEY, UNSCOPABLE_WRITES } from '../lib/task-role-policy.ts';
import { synthesize } from './support.ts';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Read-only by name: Describe/List/Get/Head, and API Gateway's GET. */
export function isReadOnly(action: string): boolean {
  const [service, name = ''] = action.split(':');
  if (service === 'apigateway') return name === 'GET';
  return /^(Describe|List|Get|Head)/.test(name);
}

const requiresOwnerTag = (s: Statement) =>
  Object.values(s.Condition ?? {}).some((byKey) =>
    Object.keys(byKey).some((k) => k === `aws:RequestTag/${OWNER_TAG_KEY}` || k === `aws:ResourceTag/${OWNER_TAG_KEY}`));

/** Findings for a policy document: one line per offending (action, resource). */
export function wildcardWrites(statements: Statement[]): string[] {
  const findings: string[] = [];
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    for (const action of list(s.Action)) {
      if (action.includes('*')) findings.push(`${s.Sid}: wildcard action ${action}`);
      for (const resource of list(s.Resource)) {
        if (typeof resource !== 'string') continue; // an intrinsic: a specific ARN from a resource or parameter
        // A resource that names no specific type (arn:aws:svc:region:account:*) is as wide as "*".
        const serviceWide = resource === '*' || /^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*$/.test(resource);
        if (!serviceWide || isReadOnly(action)) continue;
        if (action in UNSCOPABLE_WRITES) continue;
        if (requiresOwnerTag(s)) continue;
        findings.push(`${s.Sid}: ${action} on ${resource}`);
      }
    }
  }
  return findings;
}

function taskRoleStatements(overrides: Record<string, unknown> = {}): Statement[] {
  const { routeyard } = synthesize(overrides).templates;
  const roleId = Object.keys(routeyard.findResources('AWS::IAM::Role')).find((id) => id.startsWith('TaskRole'))!;
  const policies = Object.values(routeyard.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
  const attached = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId));
  expect(attached.length).toBeGreaterThan(0);
  return attached.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('task role: least privilege', () => {
  it('grants no mutating action on "*" where the service offers resource or tag scoping', () => {
    expect(wildcardWrites(taskRoleStatements())).toEqual([]);
  });

  it('the walk fails on a mutating action on "*" (the check can fail)', () => {
    const bad: Statement[] = [
      { Sid: 'Bad1', Effect: 'Allow', Action: 'elasticloadbalancing:DeleteRule', Resource: '*' },
      { Sid: 'Bad2', Effect: 'Allow', Action: ['route53:ChangeResourceRecordSets'], Resource: 'arn:aws:route53:::*' },
      { Sid: 'Bad3', Effect: 'Allow', Action: 'apigateway:*', Resource: 'arn:aws:apigateway:eu-west-1::/apis/*' },
      { Sid: 'Ok', Effect: 'Allow', Action: 'acm:RequestCertificate', Resource: '*', Condition: { StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: 'x' } } },
      { Sid: 'Deny', Effect: 'Deny', Action: 'elasticloadbalancing:DeleteRule', Resource: '*' },
    ];
    expect(wildcardWrites(bad)).toEqual([
      'Bad1: elasticloadbalancing:DeleteRule on *',
      'Bad2: route53:ChangeResourceRecordSets on arn:aws:route53:::*',
      'Bad3: wildcard action apigateway:*',
    ]);
  });

  it('every "*" write it keeps is one AWS defines without a resource type, each with its reason', () => {
    const writesOnStar = taskRoleStatements()
      .filter((s) => s.Effect === 'Allow' && list(s.Resource).includes('*'))
      .flatMap((s) => list(s.Action))
      .filter((a) => !isReadOnly(a));
    expect(writesOnStar.sort()).toEqual([...Object.keys(UNSCOPABLE_WRITES), 'acm:RequestCertificate'].sort());
    for (const reason of Object.values(UNSCOPABLE_WRITES)) expect(reason.length).toBeGreaterThan(30);
  });

  it('conditions creates on the owner tag in the request, and changes and deletes on the owner tag of the resource', () => {
    const byAction = new Map<string, Statement[]>();
    for (const s of taskRoleStatements()) for (const a of list(s.Action)) byAction.set(a, [...(byAction.get(a) ?? []), s]);
    const tagCondition = (action: string, key: 'aws:RequestTag' | 'aws:ResourceTag') =>
      (byAction.get(action) ?? []).filter((s) => s.Effect === 'Allow').every((s) => s.Condition?.StringEquals?.[`${key}/${OWNER_TAG_KEY}`] === 'acmecorp-qa');
    for (const a of ['elasticloadbalancing:CreateRule', 'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:AddTags', 'acm:RequestCertificate', 'acm:AddTagsToCertificate', 'ssm:AddTagsToResource']) {
      expect(byAction.has(a), a).toBe(true);
      expect(tagCondition(a, 'aws:RequestTag'), a).toBe(true);
    }
    for (const a of ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:DeleteTargetGroup', 'acm:DeleteCertificate', 'ssm:DeleteParameter']) {
      expect(byAction.has(a), a).toBe(true);
      expect(tagCondition(a, 'aws:ResourceTag'), a).toBe(true);
    }
    // ELB tag-on-create only: AddTags is limited to CreateRule/CreateTargetGroup.
    const addTags = byAction.get('elasticloadbalancing:AddTags')![0]!;
    expect(addTags.Condition!.StringEquals!['elasticloadbalancing:CreateAction']).toEqual(['CreateRule', 'CreateTargetGroup']);
    // API Gateway: changing or deleting an API or a domain (and its mappings) needs the owner
    // tag on it; children that cannot carry tags are scoped by path, and a Deny refuses
    // writes to what another owner has tagged.
    const apiSelf = taskRoleStatements().find((s) => s.Sid === 'ApiGatewayChangeOwnedApisAndDomains')!;
    expect(apiSelf.Action).toEqual(['apigateway:PATCH', 'apigateway:DELETE']);
    expect(JSON.stringify(apiSelf.Resource)).toContain('/apis/??????????"');
    expect(apiSelf.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'acmecorp-qa' } });
    // No untagged write reaches an API itself: every other apigateway write names a child path or a collection.
    for (const s of taskRoleStatements().filter((x) => x.Effect === 'Allow' && x.Sid !== 'ApiGatewayChangeOwnedApisAndDomains')) {
      const writes = list(s.Action).filter((a) => a.startsWith('apigateway:') && a !== 'apigateway:GET');
      if (writes.length === 0 || requiresOwnerTag(s)) continue;
      for (const r of JSON.stringify(s.Resource).match(/::\/[^"]*/g) ?? []) expect(r, `${s.Sid}: ${r}`).toMatch(/^::\/(apis\/\?{10}\/(routes|integrations|stages|cors)|domainnames\/\*\/apimappings)/);
    }
    const deny = taskRoleStatements().find((s) => s.Sid === 'ApiGatewayDenyOtherOwners')!;
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition).toEqual({ StringNotEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'acmecorp-qa' }, Null: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'false' } });
  });

  it('scopes record changes to the named zones, below their apex, and the record types routeyard writes', () => {
    const change = taskRoleStatements().find((s) => list(s.Action).includes('route53:ChangeResourceRecordSets'))!;
    const zones = JSON.stringify(change.Resource);
    expect(zones).toContain('hostedzone/Z0123456789ABCDEFGHIJ'); // acmecorp.com, from the committed lookup
    expect(zones).toMatch(/SsmParameterValueacmecorpsharedprivatehostedzoneid/); // internal.acmecorp.com, from the ALB stack
    expect(change.Condition).toEqual({
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA', 'CNAME', 'TXT'] },
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['*.acmecorp.com', '*.internal.acmecorp.com'] },
    });
  });

  it('scopes rule writes to the shared listener and its rules, and the lease to its table', () => {
    const statements = taskRoleStatements();
    const create = statements.find((s) => list(s.Action).includes('elasticloadbalancing:CreateRule'))!;
    expect(JSON.stringify(create.Resource)).toMatch(/SsmParameterValueacmecorpsharedalblistenerarn/);
    const modify = statements.find((s) => list(s.Action).includes('elasticloadbalancing:ModifyRule'))!;
    expect(JSON.stringify(modify.Resource)).toMatch(/SsmParameterValueacmecorpsharedalblistenerrulesarnpattern/);
    const lease = statements.find((s) => list(s.Action).includes('dynamodb:UpdateItem'))!;
    expect(JSON.stringify(lease.Resource)).toMatch(/LeaseTable/);
  });
});

describe('task role: published outputs (spec.shared.outputsPrefix)', () => {
  const OUTPUTS = ':ssm:eu-west-1:123456789012:parameter/acmecorp/routeyard/services/*';
  /** A resource's text with the partition token left out: arn:<partition>... -> the rest. */
  const arns = (resource: unknown): string[] =>
    list(resource).map((r) => (typeof r === 'string' ? r : JSON.stringify(r).replace(/^.*"arn:",\{"Ref":"AWS::Partition"\},"(.*)"\]\]\}$/, '$1')));
  const ssmStatements = (overrides: Record<string, unknown> = {}) =>
    taskRoleStatements(overrides).filter((s) => list(s.Action).some((a) => a.startsWith('ssm:')) && s.Sid !== 'SharedParametersRead');
  const bySid = (statements: Statement[], sid: string) => {
    const found = statements.find((s) => s.Sid === sid);
    expect(found, sid).toBeDefined();
    return found!;
  };

  it('writes only below <prefix>/services/ (never the stack\'s <prefix>/ecs-infrastructure-role-arn), reads what routeyard reads, DescribeParameters alone on "*"', () => {
    const statements = ssmStatements();
    const writes = ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameter'];
    for (const s of statements) {
      const resources = arns(s.Resource);
      if (list(s.Action).some((a) => writes.includes(a))) expect(resources, s.Sid).toEqual([OUTPUTS]);
      if (resources.includes('*')) expect(s.Action, s.Sid).toBe('ssm:DescribeParameters');
    }
    expect(statements.flatMap((s) => list(s.Action)).sort()).toEqual([
      'ssm:AddTagsToResource', 'ssm:AddTagsToResource', 'ssm:DeleteParameter', 'ssm:DeleteParameter', 'ssm:DescribeParameters',
      'ssm:GetParameter', 'ssm:GetParametersByPath', 'ssm:ListTagsForResource', 'ssm:PutParameter', 'ssm:PutParameter', 'ssm:PutParameter',
    ]);
    // GetParametersByPath is authorized on the path routeyard names (recursive), not on the parameters.
    expect(arns(bySid(statements, 'OutputsReadByPath').Resource)).toEqual([OUTPUTS.replace(/\/\*$/, ''), OUTPUTS]);
    expect(arns(bySid(statements, 'OutputsRead').Resource)).toEqual([OUTPUTS]);
  });

  it('creates carry the owner tag and only routeyard\'s tag keys; updates are Overwrite=true; deletes need the owner tag; a Deny refuses another owner\'s parameter', () => {
    const statements = ssmStatements();
    const onlyOurKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY, SERVICE_TAG_KEY] } };
    expect(bySid(statements, 'OutputsCreateOwned')).toMatchObject({
      Effect: 'Allow', Action: 'ssm:PutParameter', Condition: { StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: 'acmecorp-qa' }, ...onlyOurKeys },
    });
    // PutParameter with Tags is also authorized as AddTagsToResource.
    expect(bySid(statements, 'OutputsTagOwned')).toMatchObject({
      Effect: 'Allow', Action: 'ssm:AddTagsToResource', Condition: { StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: 'acmecorp-qa' }, ...onlyOurKeys },
    });
    expect(bySid(statements, 'OutputsUpdate')).toMatchObject({ Effect: 'Allow', Action: 'ssm:PutParameter', Condition: { StringEquals: { 'ssm:Overwrite': 'true' } } });
    expect(bySid(statements, 'OutputsDeleteOwned')).toMatchObject({
      Effect: 'Allow', Action: 'ssm:DeleteParameter', Condition: { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'acmecorp-qa' } },
    });
    // Every Allow of PutParameter is either a create with the owner tag or an overwrite.
    for (const s of statements.filter((x) => x.Effect === 'Allow' && list(x.Action).includes('ssm:PutParameter'))) {
      expect([s.Condition?.StringEquals?.[`aws:RequestTag/${OWNER_TAG_KEY}`], s.Condition?.StringEquals?.['ssm:Overwrite']], s.Sid).toContain(
        s.Sid === 'OutputsUpdate' ? 'true' : 'acmecorp-qa',
      );
    }
    expect(bySid(statements, 'OutputsDenyOtherOwners')).toMatchObject({
      Effect: 'Deny',
      Action: ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameter'],
      Condition: { StringNotEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'acmecorp-qa' }, Null: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'false' } },
    });
  });

  it('follows the configured prefix, and without one grants no SSM write and no outputs read at all', () => {
    const other = ssmStatements({ 'routeyard:outputsPrefix': '/platform/outputs' });
    expect(arns(bySid(other, 'OutputsDeleteOwned').Resource)).toEqual([':ssm:eu-west-1:123456789012:parameter/platform/outputs/services/*']);
    expect(ssmStatements({ 'routeyard:outputsPrefix': '' })).toEqual([]);
    const all = taskRoleStatements({ 'routeyard:outputsPrefix': '' }).flatMap((s) => list(s.Action));
    expect(all.filter((a) => a.startsWith('ssm:')).sort()).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
  });
});
