import { describe, expect, it } from 'vitest';
import { desiredFrom, svc } from '../../test/unit/builders.ts';
import type { DesiredService } from '../model/desired.ts';
import { FIELD_MANAGERS, isManagedElsewhere, managerOf, withoutManagedFields, type FieldManager } from './field-ownership.ts';
import { PHASE } from './phases.ts';
import type { Action, Diff, ResourceState, ServicePlan } from './types.ts';

const WEIGHTS = 'listenerRule.action.forward.weights';
const ecs = { deployment: { strategy: 'ecs' } };
const desired = desiredFrom([svc('blue', ecs), svc('plain')]);
const byName = new Map<string, DesiredService>(desired.services.map((s) => [s.name, s]));

const weightsDiff: Diff = { path: WEIGHTS, desired: { 'arn:tg/p': 100, 'arn:tg/a': 0 }, live: { 'arn:tg/p': 0, 'arn:tg/a': 100 } };
const headerDiff: Diff = { path: 'listenerRule.condition.httpHeader.values', desired: ['blue'], live: ['hijacked'] };

function ruleUpdate(service: string, diffs: Diff[], resourceId = `arn:rule/${service}`): Action {
  return {
    id: `update:listenerRule:${service}`,
    op: 'update',
    kind: 'listenerRule',
    service,
    resourceId,
    reason: 'rule differs',
    diffs,
    phase: PHASE.modifyRule,
    payload: { type: 'modifyRule', arn: resourceId, headerName: 'X-Target-Service', headerValue: service, targetGroupArn: { value: 'arn:tg/p' } },
  };
}

function servicePlan(name: string, resources: ResourceState[]): ServicePlan {
  return { name, status: 'Drifted', resources };
}

function drifted(service: string, diffs: Diff[], kind: ResourceState['kind'] = 'listenerRule', id = `arn:rule/${service}`): ResourceState {
  return { kind, id, status: 'Drifted', diffs };
}

describe('the field ownership table', () => {
  it('gives ECS the forward weights of the listener rules of a service with deployment.strategy "ecs", and nothing else', () => {
    expect(managerOf('listenerRule', WEIGHTS, byName.get('blue'))).toBe('ECS');
    expect(isManagedElsewhere('listenerRule', WEIGHTS, byName.get('plain'))).toBe(false);
    // Not another field of the rule, not the same path on another kind, not a name that only starts alike.
    expect(isManagedElsewhere('listenerRule', 'listenerRule.action.forward.targetGroups', byName.get('blue'))).toBe(false);
    expect(isManagedElsewhere('listenerRule', 'listenerRule.condition.httpHeader.values', byName.get('blue'))).toBe(false);
    expect(isManagedElsewhere('targetGroup', WEIGHTS, byName.get('blue'))).toBe(false);
    expect(isManagedElsewhere('listenerRule', `${WEIGHTS}X`, byName.get('blue'))).toBe(false);
    // An exact path owns what lies below it.
    expect(isManagedElsewhere('listenerRule', `${WEIGHTS}.arn:tg/p`, byName.get('blue'))).toBe(true);
    // A service the document no longer lists (an orphan) has no manager.
    expect(isManagedElsewhere('listenerRule', WEIGHTS, undefined)).toBe(false);
    expect(FIELD_MANAGERS.map((m) => m.manager)).toEqual(['ECS']);
  });
});

describe('withoutManagedFields', () => {
  it('drops a managed diff only for the services the manager applies to', () => {
    const out = withoutManagedFields(
      [servicePlan('blue', [drifted('blue', [weightsDiff])]), servicePlan('plain', [drifted('plain', [weightsDiff])])],
      [ruleUpdate('blue', [weightsDiff]), ruleUpdate('plain', [weightsDiff])],
      byName,
    );
    expect(out.actions.map((a) => a.service)).toEqual(['plain']);
    expect(out.actions[0]!.diffs).toEqual([weightsDiff]);
    const plain = out.services.find((s) => s.name === 'plain')!;
    expect(plain.resources[0]).toMatchObject({ status: 'Drifted', diffs: [weightsDiff] });
  });

  it('removes an action whose only diffs are managed, and a resource drifted only in those fields becomes InSync', () => {
    const resource = drifted('blue', [weightsDiff]);
    const out = withoutManagedFields([servicePlan('blue', [resource])], [ruleUpdate('blue', [weightsDiff])], byName);
    expect(out.actions).toEqual([]);
    expect(out.services[0]!.resources).toEqual([{ ...resource, status: 'InSync', diffs: [] }]);
    // The input is not changed in place.
    expect(resource.status).toBe('Drifted');
    expect(resource.diffs).toEqual([weightsDiff]);
  });

  it('mixed diffs: the action stays with routeyard\'s diffs only, and the resource stays Drifted', () => {
    const out = withoutManagedFields([servicePlan('blue', [drifted('blue', [headerDiff, weightsDiff])])], [ruleUpdate('blue', [headerDiff, weightsDiff])], byName);
    expect(out.actions).toHaveLength(1);
    expect(out.actions[0]!.diffs).toEqual([headerDiff]);
    expect(out.actions[0]!.payload).toEqual(ruleUpdate('blue', []).payload);
    expect(out.services[0]!.resources[0]).toMatchObject({ status: 'Drifted', diffs: [headerDiff] });
  });

  it('a resource left without diffs stays Drifted while another action of the plan acts on it', () => {
    // A priority move on the same rule, carried by its own action (its diff is on the action, not repeated on the resource here).
    const move: Action = { ...ruleUpdate('blue', [{ path: 'listenerRule.priority', desired: 3, live: 4 }]), id: 'update:listenerRule:blue:priority' };
    const out = withoutManagedFields([servicePlan('blue', [drifted('blue', [weightsDiff])])], [move, ruleUpdate('blue', [weightsDiff])], byName);
    expect(out.actions.map((a) => a.id)).toEqual(['update:listenerRule:blue:priority']);
    expect(out.services[0]!.resources[0]).toMatchObject({ status: 'Drifted', diffs: [] });
  });

  it('keeps actions without diffs and resources in other states as they are', () => {
    const noDiffs: Action = { ...ruleUpdate('blue', []), id: 'other' };
    const conflict: ResourceState = { kind: 'listenerRule', id: 'arn:rule/blue', status: 'Conflict', diffs: [weightsDiff], message: 'held' };
    const out = withoutManagedFields([servicePlan('blue', [conflict])], [noDiffs], byName);
    expect(out.actions).toEqual([noDiffs]);
    expect(out.services[0]!.resources[0]).toEqual({ ...conflict, diffs: [] });
  });

  it('a custom table for another kind and path works with no planner change (exact paths and prefixes ending in ".")', () => {
    const managers: FieldManager[] = [
      { manager: 'HealthOps', kind: 'targetGroup', paths: ['targetGroup.healthCheck.'], appliesTo: (s) => s.name === 'plain', why: 'tests' },
      { manager: 'StageOps', kind: 'stage', paths: ['stage.throttling'], appliesTo: () => true, why: 'tests' },
    ];
    const hcPath: Diff = { path: 'targetGroup.healthCheck.path', desired: '/healthz', live: '/' };
    const hcWhole: Diff = { path: 'targetGroup.healthCheck', desired: {}, live: null };
    const throttle: Diff = { path: 'stage.throttling.rateLimit', desired: 10, live: 50 };
    const detailed: Diff = { path: 'stage.detailedMetrics', desired: true, live: false };
    const tgAction = (service: string, diffs: Diff[], id = `arn:tg/${service}`): Action => ({ ...ruleUpdate(service, diffs, id), id: `update:targetGroup:${id}`, kind: 'targetGroup' });
    const stageAction = (diffs: Diff[]): Action => ({ ...ruleUpdate('blue', diffs, 'api-blue/$default'), id: 'update:stage:blue', kind: 'stage' });
    const out = withoutManagedFields(
      [
        servicePlan('plain', [drifted('plain', [hcPath], 'targetGroup', 'arn:tg/plain'), drifted('plain', [weightsDiff])]),
        servicePlan('blue', [drifted('blue', [hcPath], 'targetGroup', 'arn:tg/blue'), drifted('blue', [throttle, detailed], 'stage', 'api-blue/$default')]),
      ],
      [tgAction('plain', [hcPath]), tgAction('blue', [hcPath]), tgAction('plain', [hcWhole], 'arn:tg/plain-other'), ruleUpdate('plain', [weightsDiff]), ruleUpdate('blue', [weightsDiff]), stageAction([throttle, detailed])],
      byName,
      managers,
    );
    // The prefix "targetGroup.healthCheck." owns the fields below it for "plain" only, not the path itself.
    expect(out.actions.map((a) => `${a.id} ${a.diffs.map((d) => d.path).join(',')}`)).toEqual([
      'update:targetGroup:arn:tg/blue targetGroup.healthCheck.path',
      'update:targetGroup:arn:tg/plain-other targetGroup.healthCheck',
      // The custom table replaces the default one: ECS owns nothing here, so both weight diffs stay.
      'update:listenerRule:plain listenerRule.action.forward.weights',
      'update:listenerRule:blue listenerRule.action.forward.weights',
      // An exact path owns the fields below it too.
      'update:stage:blue stage.detailedMetrics',
    ]);
    const plain = out.services.find((s) => s.name === 'plain')!;
    expect(plain.resources.map((r) => [r.kind, r.status])).toEqual([
      ['targetGroup', 'InSync'],
      ['listenerRule', 'Drifted'],
    ]);
    const blue = out.services.find((s) => s.name === 'blue')!;
    expect(blue.resources.map((r) => [r.kind, r.status, r.diffs.map((d) => d.path)])).toEqual([
      ['targetGroup', 'Drifted', ['targetGroup.healthCheck.path']],
      ['stage', 'Drifted', ['stage.detailedMetrics']],
    ]);
  });
});
