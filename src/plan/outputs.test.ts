import { describe, expect, it } from 'vitest';
import { OWNER, desiredFrom, svc } from '../../test/unit/builders.ts';
import type { ObservedOutputs, ObservedParameter } from '../model/observed.ts';
import { ownershipTags } from '../model/tags.ts';
import { OUTPUT_KEYS, apiEndpointTemplate, outputApplies, parameterName, planOrphanOutputs, planServiceOutputs, type ServiceOutputs } from './outputs.ts';
import { PHASE } from './phases.ts';

const PREFIX = '/acmecorp/routeyard';
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-a-1/0123456789abcdef';
const RULE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shared/abc/def/0123';
const name = (service: string, key: string) => `${PREFIX}/services/${service}/${key}`;
const param = (service: string, key: string, value: string, extra: Partial<ObservedParameter> = {}): ObservedParameter => ({ name: name(service, key), value, type: 'String', owned: true, ...extra });
const observedWith = (parameters: ObservedParameter[], error?: string): ObservedOutputs => ({ prefix: PREFIX, parameters, region: 'eu-west-1', ...(error ? { error } : {}) });

const desired = desiredFrom([svc('a'), svc('b', { deployment: { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } } }), svc('c', { deployment: { strategy: 'ecs' }, api: {} })], { outputsPrefix: PREFIX });
const [a, b, c] = desired.services as [(typeof desired.services)[0], (typeof desired.services)[0], (typeof desired.services)[0]];

describe('which keys a service publishes', () => {
  it('target group and production rule always; the alternate group with ECS; the test rule with testTraffic; API keys with an API', () => {
    const keys = (s: typeof a) => OUTPUT_KEYS.filter((k) => outputApplies(k, s));
    expect(keys(a)).toEqual(['target-group-arn', 'production-rule-arn']);
    expect(keys(b)).toEqual(['target-group-arn', 'alternate-target-group-arn', 'production-rule-arn', 'test-rule-arn']);
    expect(keys(c)).toEqual(['target-group-arn', 'alternate-target-group-arn', 'production-rule-arn', 'api-id', 'api-endpoint']);
    expect(parameterName(PREFIX, 'a', 'api-id')).toBe('/acmecorp/routeyard/services/a/api-id');
    expect(apiEndpointTemplate('eu-west-1')).toBe('https://{id}.execute-api.eu-west-1.amazonaws.com');
    expect(apiEndpointTemplate('cn-north-1')).toBe('https://{id}.execute-api.cn-north-1.amazonaws.com.cn');
  });
});

describe('planServiceOutputs', () => {
  it('creates a tagged String parameter per known value, without Overwrite, last in the plan', () => {
    const p = planServiceOutputs(desired, observedWith([]), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(p.actions.map((x) => x.payload)).toEqual([
      { type: 'putParameter', name: name('a', 'target-group-arn'), value: { value: TG }, overwrite: false, tags: ownershipTags(OWNER, 'a') },
      { type: 'putParameter', name: name('a', 'production-rule-arn'), value: { value: RULE }, overwrite: false, tags: ownershipTags(OWNER, 'a') },
    ]);
    expect(p.actions.every((x) => x.op === 'create' && x.phase === PHASE.putParameter)).toBe(true);
    expect(Math.max(...Object.values(PHASE).filter((n) => n !== PHASE.putParameter && n !== PHASE.deleteParameter))).toBeLessThan(PHASE.putParameter);
    expect(p.resources.map((r) => [r.id, r.status])).toEqual([
      [name('a', 'target-group-arn'), 'Missing'],
      [name('a', 'production-rule-arn'), 'Missing'],
    ]);
    expect(p.actions[0]!.diffs).toEqual([{ path: 'outputs.target-group-arn', desired: TG, live: null }]);
  });

  it('a value from an action of this pass is a fromAction ref, shown as "(created by this plan)"', () => {
    const values: ServiceOutputs = { 'target-group-arn': { fromAction: 'create:targetGroup:a' }, 'production-rule-arn': { fromAction: 'create:listenerRule:a' } };
    const created = planServiceOutputs(desired, observedWith([]), a, values);
    expect(created.actions.map((x) => x.payload)).toMatchObject([
      { name: name('a', 'target-group-arn'), value: { fromAction: 'create:targetGroup:a' }, overwrite: false },
      { name: name('a', 'production-rule-arn'), value: { fromAction: 'create:listenerRule:a' }, overwrite: false },
    ]);
    expect(created.actions[0]!.diffs).toEqual([{ path: 'outputs.target-group-arn', desired: '(created by this plan)', live: null }]);
    // Already published (a replacement): overwritten with the new group's ARN once it exists, even if the old value is "the same".
    const replaced = planServiceOutputs(desired, observedWith([param('a', 'target-group-arn', TG), param('a', 'production-rule-arn', RULE)]), a, {
      'target-group-arn': { fromAction: 'replace:targetGroup:a' },
      'production-rule-arn': { value: RULE },
    });
    expect(replaced.actions).toHaveLength(1);
    expect(replaced.actions[0]).toMatchObject({ op: 'update', payload: { type: 'putParameter', name: name('a', 'target-group-arn'), value: { fromAction: 'replace:targetGroup:a' }, overwrite: true } });
    expect(replaced.actions[0]!.diffs).toEqual([{ path: 'outputs.target-group-arn', desired: '(created by this plan)', live: TG }]);
    expect(replaced.actions[0]!.reason).toContain('created by this plan');
  });

  it('overwrites a value that differs (or a type that is not String), and writes nothing for one that matches', () => {
    const other = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/elsewhere/1';
    const p = planServiceOutputs(desired, observedWith([param('a', 'target-group-arn', other), param('a', 'production-rule-arn', RULE)]), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ op: 'update', resourceId: name('a', 'target-group-arn'), payload: { overwrite: true, value: { value: TG } } });
    expect(p.actions[0]!.diffs).toEqual([{ path: 'outputs.target-group-arn', desired: TG, live: other }]);
    expect(p.resources.map((r) => r.status)).toEqual(['Drifted', 'InSync']);

    const list = planServiceOutputs(desired, observedWith([param('a', 'target-group-arn', TG, { type: 'StringList' }), param('a', 'production-rule-arn', RULE)]), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(list.actions).toHaveLength(1);
    expect(list.actions[0]!.diffs).toContainEqual({ path: 'outputs.target-group-arn.type', desired: 'String', live: 'StringList' });

    const same = planServiceOutputs(desired, observedWith([param('a', 'target-group-arn', TG, { type: undefined }), param('a', 'production-rule-arn', RULE)]), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(same.actions).toEqual([]);
    expect(same.resources.map((r) => r.status)).toEqual(['InSync', 'InSync']);
  });

  it('a parameter at one of the names that routeyard does not own is a Conflict and is never written', () => {
    const p = planServiceOutputs(desired, observedWith([param('a', 'target-group-arn', 'someone-elses', { owned: false })]), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(p.actions.map((x) => x.resourceId)).toEqual([name('a', 'production-rule-arn')]);
    const conflict = p.resources.find((r) => r.id === name('a', 'target-group-arn'))!;
    expect(conflict.status).toBe('Conflict');
    expect(conflict.message).toContain('routeyard does not own');
    // Not owned and no longer applying: not deleted either.
    const foreignGone = planServiceOutputs(desired, observedWith([param('a', 'api-id', 'x', { owned: false })]), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(foreignGone.actions.filter((x) => x.resourceId === name('a', 'api-id'))).toEqual([]);
    expect(foreignGone.resources.filter((r) => r.id === name('a', 'api-id'))).toEqual([]);
  });

  it('deletes owned keys that no longer apply (strategy or testTraffic or API removed)', () => {
    const live = [
      param('a', 'target-group-arn', TG),
      param('a', 'production-rule-arn', RULE),
      param('a', 'alternate-target-group-arn', 'arn:tg/alt'),
      param('a', 'test-rule-arn', 'arn:rule/test'),
      param('a', 'api-id', 'abc123'),
      param('a', 'api-endpoint', 'https://abc123.execute-api.eu-west-1.amazonaws.com'),
    ];
    const p = planServiceOutputs(desired, observedWith(live), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE }, 'alternate-target-group-arn': { value: 'arn:tg/alt' }, 'api-id': { value: 'abc123' } });
    expect(p.actions.map((x) => [x.op, x.payload])).toEqual([
      ['delete', { type: 'deleteParameter', name: name('a', 'alternate-target-group-arn') }],
      ['delete', { type: 'deleteParameter', name: name('a', 'test-rule-arn') }],
      ['delete', { type: 'deleteParameter', name: name('a', 'api-id') }],
      ['delete', { type: 'deleteParameter', name: name('a', 'api-endpoint') }],
    ]);
    expect(p.actions.every((x) => x.phase === PHASE.deleteParameter)).toBe(true);
    expect(p.resources.filter((r) => r.status === 'Orphaned')).toHaveLength(4);
  });

  it('a key whose ref is missing keeps the live parameter and writes nothing; with nothing live, nothing is planned', () => {
    const live = [param('b', 'target-group-arn', TG), param('b', 'alternate-target-group-arn', 'arn:tg/alt'), param('b', 'production-rule-arn', RULE), param('b', 'test-rule-arn', 'arn:rule/test')];
    // The rules could not be planned this pass (a Conflict): no refs for them.
    const p = planServiceOutputs(desired, observedWith(live), b, { 'target-group-arn': { value: TG }, 'alternate-target-group-arn': { value: 'arn:tg/alt' } });
    expect(p.actions).toEqual([]);
    expect(p.resources.map((r) => [r.id, r.status])).toEqual(live.map((l) => [l.name, 'InSync']));
    expect(p.resources.find((r) => r.id === name('b', 'test-rule-arn'))!.message).toContain('kept');
    const none = planServiceOutputs(desired, observedWith([]), b, {});
    expect(none).toEqual({ resources: [], actions: [] });
  });

  it('outputs that could not be read give one Error resource and no action', () => {
    const p = planServiceOutputs(desired, observedWith([param('a', 'target-group-arn', 'old')], 'AccessDeniedException: no'), a, { 'target-group-arn': { value: TG }, 'production-rule-arn': { value: RULE } });
    expect(p.actions).toEqual([]);
    expect(p.resources).toHaveLength(1);
    expect(p.resources[0]).toMatchObject({ kind: 'parameter', status: 'Error', id: `${PREFIX}/services/a/` });
    expect(p.resources[0]!.message).toContain('AccessDeniedException: no');
  });
});

describe('planOrphanOutputs', () => {
  it('deletes only owned parameters with one of routeyard\'s keys of services the document no longer lists', () => {
    const observed = observedWith([
      param('gone', 'target-group-arn', TG),
      param('gone', 'api-endpoint', 'https://x'),
      param('gone', 'production-rule-arn', RULE, { owned: false }),
      param('gone', 'notes', 'kept: not a key routeyard writes'),
      { name: `${PREFIX}/services/gone/target-group-arn/history`, value: 'deeper', type: 'String', owned: true },
      { name: `${PREFIX}/services/gone`, value: 'too shallow', type: 'String', owned: true },
      { name: `${PREFIX}/other/gone/target-group-arn`, value: 'not under services/', type: 'String', owned: true },
      { name: `/elsewhere/services/gone/target-group-arn`, value: 'not under the prefix', type: 'String', owned: true },
      param('a', 'target-group-arn', TG),
    ]);
    const out = planOrphanOutputs(observed, new Set(['a', 'b']));
    expect([...out.keys()]).toEqual(['gone']);
    const gone = out.get('gone')!;
    expect(gone.actions.map((x) => x.payload)).toEqual([
      { type: 'deleteParameter', name: name('gone', 'target-group-arn') },
      { type: 'deleteParameter', name: name('gone', 'api-endpoint') },
    ]);
    expect(gone.actions.every((x) => x.op === 'delete' && x.service === 'gone' && x.phase === PHASE.deleteParameter)).toBe(true);
    expect(gone.resources.map((r) => r.status)).toEqual(['Orphaned', 'Orphaned']);
  });

  it('deletes nothing when the outputs could not be read', () => {
    expect(planOrphanOutputs(observedWith([param('gone', 'target-group-arn', TG)], 'ThrottlingException'), new Set(['a'])).size).toBe(0);
  });
});
