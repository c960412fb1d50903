// The task role's policy, walked statement by statement: no mutating action on Resource "*"
// unless AWS offers nothing narrower (UNSCOPABLE_WRITES) or the statement requires the
// owner tag; no service-wide resource wildcard; writes conditioned on the owner tag where
// the service evaluates tags.
import { describe, expect, it } from 'vitest';
import { MANAGED_POLICY_MAX_CHARACTERS, OWNER_TAG_KEY, SERVICE_TAG_KEY, sizeBound, UNSCOPABLE_WRITES } from '../lib/task-role-policy.ts';
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
  // Inline (CDK's default policy) and customer managed (TaskRolePolicy/Part<n>).
  const policies = [...Object.values(routeyard.findResources('AWS::IAM::Policy')), ...Object.values(routeyard.findResources('AWS::IAM::ManagedPolicy'))] as {
    Properties: { Roles?: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  const attached = policies.filter((p) => (p.Properties.Roles ?? []).some((r) => r.Ref === roleId));
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
    // ELB AddTags: either part of CreateRule/CreateTargetGroup, or (adoption) limited to routeyard's two tag keys.
    const addTags = taskRoleStatements().find((s) => s.Sid === 'ElbTagOnCreateOnly')!;
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

// --- Adoption (issue #17): the policy evaluated for the calls adoption makes ---

const ACCOUNT = '123456789012';
const LISTENER = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/acmecorp-shared/0123456789abcdef/fedcba9876543210`;
const RULE = (id: string, listener = LISTENER) => `${listener.replace(':listener/', ':listener-rule/')}/${id}`;
/** The listener of ALB shard n (alb-n): the first is LISTENER. */
const SHARD_LISTENER = (n: number) =>
  n === 1 ? LISTENER : `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/acmecorp-shared-${n}/${String(n).repeat(16)}/${String(n).repeat(4)}abcdef${String(n).repeat(6)}`;
const GROUP = (name: string) => `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/${name}/73e2d6bc24d8a067`;
const APIGW = (path: string) => `arn:aws:apigateway:eu-west-1::${path}`;
/** TagResource's IAM resource: `/tags/<url-encoded ARN>` (as CloudTrail records it). */
const TAGS_OF = (arn: string) => APIGW(`/tags/${encodeURIComponent(arn)}`);
const OWNER = 'acmecorp-qa';
const ours = (service = 'orders') => ({ [OWNER_TAG_KEY]: OWNER, [SERVICE_TAG_KEY]: service });
const STACK_TAGS = { 'aws:cloudformation:stack-name': 'PrivateFastApiStack', 'aws:cloudformation:logical-id': 'Rule' };

/** Deploy-time values of the parameters the policy names (what the shared stacks write). */
function resolve(value: unknown, listenerOf = SHARD_LISTENER): unknown {
  const recurse = (x: unknown) => resolve(x, listenerOf);
  if (Array.isArray(value)) return value.map(recurse);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, unknown>;
  if ('Ref' in v) {
    const ref = String(v.Ref);
    if (ref === 'AWS::Partition') return 'aws';
    // Shard n > 1: <prefix>/load-balancers/alb-<n>/...; shard 1: today's names.
    const shard = Number(/loadbalancersalb(\d+)/.exec(ref)?.[1] ?? 1);
    if (/listenerrulesarnpattern/.test(ref)) return `${listenerOf(shard).replace(':listener/', ':listener-rule/')}/*`;
    if (/listenerarn/.test(ref)) return listenerOf(shard);
    if (/privatehostedzoneid/.test(ref)) return 'Z0PRIVATEZONE000000000';
    return `<${ref}>`;
  }
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((x) => String(recurse(x))).join(sep);
  }
  if ('Fn::GetAtt' in v) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, recurse(x)]));
}

/** IAM's wildcard match for Resource and *Like operators: `*` any run of characters, `?` one. */
const glob = (pattern: string, text: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(text);

type Context = Record<string, string | string[]>;
interface Request {
  action: string;
  resource: string;
  /** Tags in the request (aws:RequestTag/*, aws:TagKeys). */
  requestTags?: Record<string, string>;
  /** Tags the resource already has (aws:ResourceTag/*). */
  resourceTags?: Record<string, string>;
  extra?: Context;
}

function contextOf(r: Request): Context {
  const ctx: Context = { ...r.extra };
  for (const [k, v] of Object.entries(r.requestTags ?? {})) ctx[`aws:RequestTag/${k}`] = v;
  if (r.requestTags) ctx['aws:TagKeys'] = Object.keys(r.requestTags);
  for (const [k, v] of Object.entries(r.resourceTags ?? {})) ctx[`aws:ResourceTag/${k}`] = v;
  return ctx;
}

/** The condition operators the policy uses, with IAM's semantics for a missing key. */
function conditionHolds(operator: string, key: string, expected: unknown, ctx: Context): boolean {
  const want = list(expected as string | string[]).map(String);
  const have = ctx[key];
  const values = have === undefined ? [] : list(have);
  switch (operator) {
    case 'StringEquals': return values.length > 0 && values.some((v) => want.includes(v));
    case 'StringNotEquals': return !values.some((v) => want.includes(v));
    case 'StringLike': return values.length > 0 && values.some((v) => want.some((w) => glob(w, v)));
    case 'StringNotLike': return !values.some((v) => want.some((w) => glob(w, v)));
    case 'Null': return (want[0] === 'true') === (have === undefined);
    case 'ForAllValues:StringEquals': return values.every((v) => want.includes(v));
    case 'ForAllValues:StringLike': return values.every((v) => want.some((w) => glob(w, v)));
    default: throw new Error(`the evaluator does not know ${operator}`);
  }
}

function applies(s: Statement, r: Request): boolean {
  if (!list(s.Action).some((a) => glob(a, r.action))) return false;
  if (!list(s.Resource as string | string[]).some((res) => glob(String(res), r.resource))) return false;
  const ctx = contextOf(r);
  return Object.entries(s.Condition ?? {}).every(([op, byKey]) => Object.entries(byKey).every(([k, v]) => conditionHolds(op, k, v, ctx)));
}

/** IAM's identity-policy decision: an applicable Deny wins, then an applicable Allow, else denied. */
function decide(statements: Statement[], r: Request): 'Allow' | 'Deny' | 'ImplicitDeny' {
  const hit = statements.filter((s) => applies(s, r));
  if (hit.some((s) => s.Effect === 'Deny')) return 'Deny';
  return hit.some((s) => s.Effect === 'Allow') ? 'Allow' : 'ImplicitDeny';
}
const allowed = (statements: Statement[], r: Request) => decide(statements, r) === 'Allow';

describe('task role: adoption (issue #17)', () => {
  const statements = () => taskRoleStatements().map((s) => resolve(s) as Statement);
  const bySid = (sid: string) => {
    const found = taskRoleStatements().find((s) => s.Sid === sid);
    expect(found, sid).toBeDefined();
    return found!;
  };
  const onlyOurKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEY, SERVICE_TAG_KEY] } };
  const otherOwnerCondition = { StringNotEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: OWNER }, Null: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: 'false' } };

  it('the evaluator follows IAM: a Deny wins, a missing key fails StringEquals and passes StringNotEquals and ForAllValues (the check can fail)', () => {
    const p: Statement[] = [
      { Effect: 'Allow', Action: 'x:Tag', Resource: 'arn:x:*', Condition: { StringEquals: { 'aws:RequestTag/o': 'me' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['o'] } } },
      { Effect: 'Deny', Action: 'x:Tag', Resource: 'arn:x:*', Condition: { StringNotEquals: { 'aws:ResourceTag/o': 'me' }, Null: { 'aws:ResourceTag/o': 'false' } } },
    ];
    expect(decide(p, { action: 'x:Tag', resource: 'arn:x:1', requestTags: { o: 'me' } })).toBe('Allow');
    expect(decide(p, { action: 'x:Tag', resource: 'arn:x:1', requestTags: { o: 'me', other: 'v' } })).toBe('ImplicitDeny');
    expect(decide(p, { action: 'x:Tag', resource: 'arn:x:1' })).toBe('ImplicitDeny');
    expect(decide(p, { action: 'x:Tag', resource: 'arn:x:1', requestTags: { o: 'me' }, resourceTags: { o: 'you' } })).toBe('Deny');
    expect(decide(p, { action: 'x:Tag', resource: 'arn:y:1', requestTags: { o: 'me' } })).toBe('ImplicitDeny');
  });

  it('AddTags outside a create: the shared listener\'s rules and any target group, the owner tag in the request, routeyard\'s two tag keys only', () => {
    const adopt = bySid('ElbTagToAdopt');
    expect(adopt.Effect).toBe('Allow');
    expect(adopt.Action).toBe('elasticloadbalancing:AddTags');
    expect(JSON.stringify(adopt.Resource)).toMatch(/SsmParameterValueacmecorpsharedalblistenerrulesarnpattern/);
    expect(JSON.stringify(adopt.Resource)).toContain(':elasticloadbalancing:eu-west-1:123456789012:targetgroup/*/*"');
    expect(JSON.stringify(adopt.Resource)).not.toMatch(/listenerarn[^p]/); // not the listener itself
    expect(adopt.Condition).toEqual({ StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: OWNER }, ...onlyOurKeys });
    // Every AddTags Allow is either part of a create or limited to routeyard's keys.
    for (const s of taskRoleStatements().filter((x) => x.Effect === 'Allow' && list(x.Action).includes('elasticloadbalancing:AddTags'))) {
      const create = s.Condition?.StringEquals?.['elasticloadbalancing:CreateAction'];
      expect(create ?? s.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys'], s.Sid).toEqual(create ? ['CreateRule', 'CreateTargetGroup'] : [OWNER_TAG_KEY, SERVICE_TAG_KEY]);
    }
  });

  it('a Deny refuses AddTags (and SetRulePriorities) on a rule or group already tagged for another owner', () => {
    const deny = bySid('ElbDenyOtherOwners');
    expect(deny.Effect).toBe('Deny');
    expect(deny.Action).toEqual(['elasticloadbalancing:AddTags', 'elasticloadbalancing:SetRulePriorities']);
    expect(JSON.stringify(deny.Resource)).toMatch(/SsmParameterValueacmecorpsharedalblistenerrulesarnpattern/);
    expect(JSON.stringify(deny.Resource)).toContain('targetgroup/*/*"');
    expect(deny.Condition).toEqual(otherOwnerCondition);
  });

  it('target group modify and delete: any name of this account and Region, the owner tag on the group; create stays on ry- names', () => {
    const change = bySid('ElbChangeOwnedTargetGroups');
    expect(change.Action).toEqual(['elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:DeleteTargetGroup']);
    expect(JSON.stringify(change.Resource)).toContain(':elasticloadbalancing:eu-west-1:123456789012:targetgroup/*/*"');
    expect(change.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEY}`]: OWNER } });
    const create = bySid('ElbCreateOwnedTargetGroups');
    expect(JSON.stringify(create.Resource)).toContain(':targetgroup/ry-*/*"');
    expect(JSON.stringify(bySid('ElbTagOnCreateOnly').Resource)).toContain(':targetgroup/ry-*/*"');
    // No other statement grants a target group write on any name.
    for (const s of taskRoleStatements().filter((x) => x.Effect === 'Allow' && JSON.stringify(x.Resource).includes('targetgroup/*/*'))) {
      expect(requiresOwnerTag(s), s.Sid).toBe(true);
    }
  });

  it('adopting a stack\'s rule and group: tagging is allowed, then routeyard changes them like its own', () => {
    const p = statements();
    const rule = RULE('9a8b7c6d5e4f3a2b');
    const group = GROUP('PrivateFastApiStack-TG-1X2Y3Z'); // the name the user's stack gave it
    // 1. Tagging (AddTags of owner and service), also beside CloudFormation's tags.
    for (const resource of [rule, group]) {
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: ours() }), resource).toBe('Allow');
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: ours(), resourceTags: STACK_TAGS }), resource).toBe('Allow');
      // Re-tagging what it already owns (a missing service tag completed).
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: ours('billing'), resourceTags: { [OWNER_TAG_KEY]: OWNER } })).toBe('Allow');
    }
    // 2. Managed from then on: the adopted rule and the adopted group (not ry-).
    const owned = { ...STACK_TAGS, ...ours() };
    for (const action of ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:SetRulePriorities']) {
      expect(decide(p, { action, resource: rule, resourceTags: owned }), action).toBe('Allow');
    }
    for (const action of ['elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:DeleteTargetGroup']) {
      expect(decide(p, { action, resource: group, resourceTags: owned }), action).toBe('Allow');
      expect(decide(p, { action, resource: GROUP('ry-0123456789abcdef0123456789ab'), resourceTags: ours() }), action).toBe('Allow');
    }
    // Reads are unscoped.
    expect(allowed(p, { action: 'elasticloadbalancing:DescribeTargetHealth', resource: '*' })).toBe(true);
    expect(allowed(p, { action: 'elasticloadbalancing:DescribeLoadBalancers', resource: '*' })).toBe(true);
  });

  it('refuses what adoption must not do: another owner\'s resource, other tag keys or owners, other listeners, accounts and Regions, untagged groups', () => {
    const p = statements();
    const rule = RULE('9a8b7c6d5e4f3a2b');
    const group = GROUP('PrivateFastApiStack-TG-1X2Y3Z');
    const theirs = { [OWNER_TAG_KEY]: 'acmecorp-prod', [SERVICE_TAG_KEY]: 'orders' };
    for (const resource of [rule, group]) {
      // Stealing another RouteSet's resource: the Deny.
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: ours(), resourceTags: theirs }), resource).toBe('Deny');
      // A tag other than routeyard's two (the user's Name, routeyard:role), or another owner in the request.
      expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: { ...ours(), Name: 'x' } })).toBe(false);
      expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: { ...ours(), 'routeyard:role': 'test' } })).toBe(false);
      expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: { [OWNER_TAG_KEY]: 'acmecorp-prod', [SERVICE_TAG_KEY]: 'orders' } })).toBe(false);
      expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource, requestTags: { [SERVICE_TAG_KEY]: 'orders' } })).toBe(false);
    }
    // Not the listener itself, not another listener's rule, not another account's or Region's group.
    expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: LISTENER, requestTags: ours() })).toBe(false);
    const otherListenerRule = RULE('1').replace('fedcba9876543210', '1111111111111111');
    expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: otherListenerRule, requestTags: ours() })).toBe(false);
    expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: group.replace(ACCOUNT, '210987654321'), requestTags: ours() })).toBe(false);
    expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: group.replace('eu-west-1', 'eu-central-1'), requestTags: ours() })).toBe(false);
    // A group that is not routeyard's (untagged, a stack's, another owner's) is neither changed nor deleted.
    for (const action of ['elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:DeleteTargetGroup']) {
      for (const resourceTags of [undefined, STACK_TAGS, theirs]) expect(allowed(p, { action, resource: group, resourceTags }), `${action} ${JSON.stringify(resourceTags)}`).toBe(false);
    }
    for (const action of ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule']) {
      for (const resourceTags of [undefined, STACK_TAGS, theirs]) expect(allowed(p, { action, resource: rule, resourceTags })).toBe(false);
    }
    // routeyard creates only ry- groups.
    expect(allowed(p, { action: 'elasticloadbalancing:CreateTargetGroup', resource: GROUP('PrivateFastApiStack-TG-2'), requestTags: ours() })).toBe(false);
    expect(allowed(p, { action: 'elasticloadbalancing:CreateTargetGroup', resource: GROUP('ry-0123456789abcdef0123456789ab'), requestTags: ours() })).toBe(true);
    // Another RouteSet's rule is not moved where AWS shows its tags.
    expect(decide(p, { action: 'elasticloadbalancing:SetRulePriorities', resource: rule, resourceTags: theirs })).toBe('Deny');
  });

  it('creates keep their tags: CreateRule and CreateTargetGroup with routeyard:role pass through the create-time AddTags grant', () => {
    const p = statements();
    const withRole = { ...ours(), 'routeyard:role': 'alternate' };
    expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: GROUP('ry-0123456789abcdef0123456789ab'), requestTags: withRole, extra: { 'elasticloadbalancing:CreateAction': 'CreateTargetGroup' } })).toBe(true);
    expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: RULE('new'), requestTags: { ...ours(), 'routeyard:role': 'test' }, extra: { 'elasticloadbalancing:CreateAction': 'CreateRule' } })).toBe(true);
    expect(allowed(p, { action: 'elasticloadbalancing:CreateRule', resource: LISTENER, requestTags: ours() })).toBe(true);
  });

  it('adopting a custom domain: TagResource on its /tags path, then UpdateDomainName, DeleteDomainName and its API mappings', () => {
    const p = statements();
    const domain = APIGW('/domainnames/api.acmecorp.com');
    const api = APIGW('/apis/a1b2c3d4e5');
    expect(bySid('ApiGatewayTagOwned').Condition).toEqual({ StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEY}`]: OWNER }, ...onlyOurKeys });
    // TagResource (apigatewayv2: POST /v2/tags/{resource-arn}) for a domain and for an API.
    for (const arn of [domain, api]) {
      expect(decide(p, { action: 'apigateway:POST', resource: TAGS_OF(arn), requestTags: ours() }), arn).toBe('Allow');
      expect(allowed(p, { action: 'apigateway:POST', resource: TAGS_OF(arn), requestTags: { ...ours(), Name: 'x' } })).toBe(false);
      expect(allowed(p, { action: 'apigateway:POST', resource: TAGS_OF(arn), requestTags: { [OWNER_TAG_KEY]: 'acmecorp-prod' } })).toBe(false);
    }
    // Once tagged: the domain and its mappings change like one routeyard created.
    const owned = { ...STACK_TAGS, ...ours() };
    for (const action of ['apigateway:PATCH', 'apigateway:DELETE']) {
      expect(decide(p, { action, resource: domain, resourceTags: owned }), action).toBe('Allow');
      expect(decide(p, { action, resource: `${domain}/apimappings/abc123`, resourceTags: owned }), action).toBe('Allow');
      // Not before (untagged, a stack's) and never another owner's.
      expect(allowed(p, { action, resource: domain, resourceTags: STACK_TAGS })).toBe(false);
      expect(decide(p, { action, resource: domain, resourceTags: { [OWNER_TAG_KEY]: 'acmecorp-prod' } })).toBe('Deny');
    }
    expect(decide(p, { action: 'apigateway:POST', resource: `${domain}/apimappings`, resourceTags: owned })).toBe('Allow');
    expect(decide(p, { action: 'apigateway:POST', resource: `${domain}/apimappings`, resourceTags: { [OWNER_TAG_KEY]: 'acmecorp-prod' } })).toBe('Deny');
  });

  it('registry TXT entries beside existing alias records: below the named zones, never the apex', () => {
    const p = statements();
    const zone = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';
    const change = (names: string[], types: string[]) => ({
      action: 'route53:ChangeResourceRecordSets',
      resource: zone,
      extra: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': names, 'route53:ChangeResourceRecordSetsRecordTypes': types },
    });
    expect(allowed(p, change(['_routeyard-a.orders.acmecorp.com', '_routeyard-aaaa.orders.acmecorp.com'], ['TXT']))).toBe(true);
    expect(allowed(p, change(['acmecorp.com'], ['TXT']))).toBe(false);
    expect(allowed(p, change(['orders.acmecorp.com'], ['MX']))).toBe(false);
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

describe('task role: several ALBs (issue #18)', () => {
  const TWO = { 'routeyard:albCount': 2 };
  const statements = (overrides: Record<string, unknown> = TWO) => taskRoleStatements(overrides).map((x) => resolve(x) as Statement);
  const LISTENER2 = SHARD_LISTENER(2);
  /** ALBs of the account the stacks did not make: one named like the shards, a third shard's that is not deployed. */
  const FOREIGN = [
    `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/acmecorp-shared-legacy/5555555555555555/6666666666666666`,
    SHARD_LISTENER(3),
    // Another listener on shard 2's ALB (not the stack's).
    LISTENER2.replace(/\/[^/]+$/, '/7777777777777777'),
  ];

  it('still grants no mutating action on "*" where the service offers resource or tag scoping', () => {
    expect(wildcardWrites(taskRoleStatements(TWO))).toEqual([]);
    expect(wildcardWrites(taskRoleStatements({ 'routeyard:albCount': 10 }))).toEqual([]);
  });

  it('names each shard\'s listener and rules, read from its parameters', () => {
    const raw = taskRoleStatements(TWO);
    const bySid = (sid: string) => JSON.stringify(raw.find((x) => x.Sid === sid)!.Resource);
    expect(bySid('ElbCreateRuleOnSharedListener')).toMatch(/SsmParameterValueacmecorpsharedalblistenerarn.*SsmParameterValueacmecorpsharedloadbalancersalb2listenerarn/);
    for (const sid of ['ElbChangeOwnedRules', 'ElbReorderRulesOfSharedListener', 'ElbTagToAdopt', 'ElbDenyOtherOwners']) {
      expect(bySid(sid), sid).toMatch(/SsmParameterValueacmecorpsharedalblistenerrulesarnpattern.*SsmParameterValueacmecorpsharedloadbalancersalb2listenerrulesarnpattern/);
    }
  });

  it('a rule on shard 2: created on its listener, changed, reordered, deleted, adopted, like a rule on the first', () => {
    const p = statements();
    for (const listener of [LISTENER, LISTENER2]) {
      const rule = RULE('0a0b0c0d0e0f0a0b', listener);
      expect(decide(p, { action: 'elasticloadbalancing:CreateRule', resource: listener, requestTags: ours() }), listener).toBe('Allow');
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource: rule, requestTags: { ...ours(), 'routeyard:role': 'test' }, extra: { 'elasticloadbalancing:CreateAction': 'CreateRule' } })).toBe('Allow');
      for (const action of ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:SetRulePriorities']) {
        expect(decide(p, { action, resource: rule, resourceTags: ours() }), `${action} ${rule}`).toBe('Allow');
      }
      // Adoption on shard 2 as on the first, and never another owner's rule.
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource: rule, requestTags: ours(), resourceTags: STACK_TAGS })).toBe('Allow');
      expect(decide(p, { action: 'elasticloadbalancing:AddTags', resource: rule, requestTags: ours(), resourceTags: { [OWNER_TAG_KEY]: 'acmecorp-prod' } })).toBe('Deny');
      expect(allowed(p, { action: 'elasticloadbalancing:CreateRule', resource: listener, requestTags: { [OWNER_TAG_KEY]: 'acmecorp-prod' } })).toBe(false);
      expect(allowed(p, { action: 'elasticloadbalancing:ModifyRule', resource: rule, resourceTags: STACK_TAGS })).toBe(false);
    }
  });

  it('refuses the listener of a foreign ALB (a similar name, a shard not deployed, another listener of a shard\'s ALB) and its rules', () => {
    const p = statements();
    for (const listener of FOREIGN) {
      const rule = RULE('0a0b0c0d0e0f0a0b', listener);
      expect(allowed(p, { action: 'elasticloadbalancing:CreateRule', resource: listener, requestTags: ours() }), listener).toBe(false);
      expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: listener, requestTags: ours(), extra: { 'elasticloadbalancing:CreateAction': 'CreateRule' } })).toBe(false);
      for (const action of ['elasticloadbalancing:ModifyRule', 'elasticloadbalancing:DeleteRule', 'elasticloadbalancing:SetRulePriorities']) {
        expect(allowed(p, { action, resource: rule, resourceTags: ours() }), `${action} ${rule}`).toBe(false);
      }
      expect(allowed(p, { action: 'elasticloadbalancing:AddTags', resource: rule, requestTags: ours() })).toBe(false);
    }
    // With one ALB, shard 2's listener is as foreign as any.
    expect(allowed(statements({}), { action: 'elasticloadbalancing:CreateRule', resource: LISTENER2, requestTags: ours() })).toBe(false);
  });

  it('target groups: the same grants whatever the number of ALBs (a group serves one ALB; its ARN names none), and never RegisterTargets', () => {
    const tg = (overrides: Record<string, unknown>) =>
      taskRoleStatements(overrides).filter((x) => ['ElbCreateOwnedTargetGroups', 'ElbChangeOwnedTargetGroups'].includes(x.Sid!));
    expect(tg(TWO)).toEqual(tg({}));
    expect(tg({ 'routeyard:albCount': 10 })).toEqual(tg({}));
    const p = statements();
    expect(allowed(p, { action: 'elasticloadbalancing:CreateTargetGroup', resource: GROUP('ry-0123456789abcdef0123456789ab'), requestTags: ours() })).toBe(true);
    for (const action of ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets']) {
      expect(allowed(p, { action, resource: GROUP('ry-0123456789abcdef0123456789ab'), resourceTags: ours() }), action).toBe(false);
      expect(taskRoleStatements(TWO).flatMap((x) => list(x.Action))).not.toContain(action);
    }
  });
});

describe('task role: IAM size quotas', () => {
  type Doc = { Statement: Statement[] };
  /** The task role's policies: inline ones (CDK's default policy) and the customer managed parts. */
  function rolePolicies(overrides: Record<string, unknown>) {
    const { routeyard } = synthesize(overrides).templates;
    const roleId = Object.keys(routeyard.findResources('AWS::IAM::Role')).find((id) => id.startsWith('TaskRole'))!;
    const of = (type: string) =>
      (Object.entries(routeyard.findResources(type)) as [string, { Properties: { Roles?: { Ref: string }[]; PolicyDocument: Doc } }][])
        .filter(([, p]) => (p.Properties.Roles ?? []).some((r) => r.Ref === roleId))
        .map(([id, p]) => ({ id, document: p.Properties.PolicyDocument }));
    return { inline: of('AWS::IAM::Policy'), managed: of('AWS::IAM::ManagedPolicy') };
  }
  /** The longest listener ARNs the stacks can make: 32-character ALB names. */
  const LONGEST_LISTENER = (n: number) => `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/${'a'.repeat(32 - String(n).length - 1)}-${n}/0123456789abcdef/0123456789abcdef`;
  /** What IAM counts: the resolved document without white space (a GetAtt as a 255-character table's ARN). */
  const deployTimeSize = (document: Doc) =>
    JSON.stringify(resolve(document, LONGEST_LISTENER)).replace(/"<[^"]*>"/g, JSON.stringify(`arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/${'t'.repeat(255)}`)).length;

  it.each([1, 2, 10])('albCount %i: each managed policy within 6,144 characters, at most 10 of them, the inline ones within 10,240', (albCount) => {
    const { inline, managed } = rolePolicies({ 'routeyard:albCount': albCount, 'routeyard:desiredStateSource': 'ssm' });
    expect(managed.length).toBeGreaterThan(0);
    expect(managed.length).toBeLessThanOrEqual(10);
    for (const { id, document } of managed) {
      // The bound the stack packed by, and the size AWS would count, both within the quota.
      expect(sizeBound(document), id).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
      expect(deployTimeSize(document), id).toBeLessThanOrEqual(sizeBound(document));
    }
    expect(managed.map((m) => m.id)).toEqual(managed.map((_, i) => expect.stringMatching(new RegExp(`^TaskRolePolicyPart${i + 1}[0-9A-F]{8}$`))));
    expect(inline.reduce((n, p) => n + deployTimeSize(p.document), 0)).toBeLessThanOrEqual(10240);
    console.log(`albCount ${albCount}: ${managed.length} managed policies of ${managed.map((m) => deployTimeSize(m.document)).join(', ')} characters; inline ${inline.map((p) => deployTimeSize(p.document)).join(', ')}`);
  });

  it('one inline policy could not hold them, even with one ALB (the check can fail)', () => {
    const { managed } = rolePolicies({});
    expect(managed.reduce((n, m) => n + deployTimeSize(m.document), 0)).toBeGreaterThan(10240);
  });

  it('names the policies in an output, for a CI job\'s role', () => {
    const { routeyard } = synthesize().templates;
    const output = routeyard.findOutputs('TaskRolePolicyArns').TaskRolePolicyArns as { Value: { 'Fn::Join': [string, { Ref: string }[]] } };
    const [separator, refs] = output.Value['Fn::Join'];
    expect(separator).toBe(',');
    expect(refs.map((r) => r.Ref).sort()).toEqual(Object.keys(routeyard.findResources('AWS::IAM::ManagedPolicy')).filter((id) => id.startsWith('TaskRolePolicyPart')).sort());
  });
});
