import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log.ts';
import type { Action } from '../plan/types.ts';
import { applyPlan } from './apply.ts';
import type { Mutations } from './ports.ts';

function mutations(overrides: Partial<Mutations['loadBalancer']> = {}): Mutations {
  const lb = {
    createTargetGroup: vi.fn(async () => 'arn:tg/new'),
    modifyTargetGroup: vi.fn(async () => {}),
    deleteTargetGroup: vi.fn(async () => {}),
    createRule: vi.fn(async () => 'arn:rule/new'),
    modifyRule: vi.fn(async () => {}),
    setRulePriorities: vi.fn(async () => {}),
    deleteRule: vi.fn(async () => {}),
    addTags: vi.fn(async () => {}),
    ...overrides,
  };
  return { loadBalancer: lb, apiGateway: {} as Mutations['apiGateway'], naming: {} as Mutations['naming'], outputs: {} as Mutations['outputs'] };
}

const tgCreate = (service: string): Action => ({
  id: `create:targetGroup:${service}`,
  op: 'create',
  kind: 'targetGroup',
  service,
  resourceId: `ry-${service}`,
  reason: 'r',
  diffs: [],
  phase: 30,
  payload: { type: 'createTargetGroup', name: `ry-${service}`, port: 80, protocol: 'HTTP', targetType: 'ip', vpcId: 'vpc', healthCheck: {}, tags: {} },
});
const ruleCreate = (service: string): Action => ({
  id: `create:listenerRule:${service}`,
  op: 'create',
  kind: 'listenerRule',
  service,
  resourceId: service,
  reason: 'r',
  diffs: [],
  phase: 42,
  payload: { type: 'createRule', listenerArn: 'l', priority: 1, headerName: 'X', headerValue: service, targetGroupArn: { fromAction: `create:targetGroup:${service}` }, tags: {} },
});
const move = (service: string, priority: number): Action => ({
  id: `move:${service}`,
  op: 'update',
  kind: 'listenerRule',
  service,
  resourceId: `arn:rule/${service}`,
  reason: 'r',
  diffs: [],
  phase: 40,
  payload: { type: 'setRulePriority', arn: `arn:rule/${service}`, from: priority === 3 ? 2 : 3, priority, stagingPriority: priority === 3 ? 50000 : undefined },
});

describe('applyPlan', () => {
  it('feeds a created target group ARN into the rule that forwards to it', async () => {
    const m = mutations();
    const results = await applyPlan([tgCreate('a'), ruleCreate('a')], m, silentLogger());
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(m.loadBalancer.createRule).toHaveBeenCalledWith(expect.objectContaining({ targetGroupArn: 'arn:tg/new' }));
  });

  it('stops a failed service chain, not the pass', async () => {
    const m = mutations({
      createTargetGroup: vi.fn(async (p: { name: string }) => {
        if (p.name === 'ry-a') throw Object.assign(new Error('quota'), { name: 'TooManyTargetGroupsException' });
        return 'arn:tg/b';
      }),
    });
    const results = await applyPlan([tgCreate('a'), tgCreate('b'), ruleCreate('a'), ruleCreate('b')], m, silentLogger());
    expect(results.map((r) => `${r.actionId} ${r.outcome}`)).toEqual([
      'create:targetGroup:a failed',
      'create:targetGroup:b applied',
      'create:listenerRule:a skipped',
      'create:listenerRule:b applied',
    ]);
    expect(results[0]!.error).toContain('TooManyTargetGroupsException');
  });

  it('sends an exchange of priorities as one SetRulePriorities call, as AWS accepts it', async () => {
    const m = mutations();
    await applyPlan([move('a', 3), move('b', 2)], m, silentLogger());
    expect(m.loadBalancer.setRulePriorities).toHaveBeenCalledTimes(1);
    expect(m.loadBalancer.setRulePriorities).toHaveBeenCalledWith([
      { arn: 'arn:rule/a', priority: 3 },
      { arn: 'arn:rule/b', priority: 2 },
    ]);
  });

  it('parks the displaced rules only when the exchange is answered PriorityInUse (as moto does)', async () => {
    let calls = 0;
    const m = mutations({
      setRulePriorities: vi.fn(async () => {
        if (++calls === 1) throw Object.assign(new Error('Priority 3 is currently in use'), { name: 'PriorityInUseException' });
      }),
    });
    const results = await applyPlan([move('a', 3), move('b', 2)], m, silentLogger());
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(m.loadBalancer.setRulePriorities).toHaveBeenCalledTimes(3);
    expect(m.loadBalancer.setRulePriorities).toHaveBeenNthCalledWith(2, [{ arn: 'arn:rule/a', priority: 50000 }]);
    expect(m.loadBalancer.setRulePriorities).toHaveBeenNthCalledWith(3, [
      { arn: 'arn:rule/a', priority: 3 },
      { arn: 'arn:rule/b', priority: 2 },
    ]);
  });

  it('does not retry a priority move refused for another reason', async () => {
    const m = mutations({ setRulePriorities: vi.fn(async () => Promise.reject(Object.assign(new Error('no'), { name: 'RuleNotFoundException' }))) });
    const results = await applyPlan([move('a', 3), move('b', 2)], m, silentLogger());
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(m.loadBalancer.setRulePriorities).toHaveBeenCalledTimes(1);
  });

  it('checks before each batch (phase) of writes; when the check throws (lease lost, shutdown) the rest is skipped', async () => {
    const m = mutations();
    let checks = 0;
    const results = await applyPlan([tgCreate('a'), tgCreate('b'), ruleCreate('a'), ruleCreate('b')], m, silentLogger(), {
      beforeBatch: async () => {
        if (++checks === 2) throw new Error('LeaseLost: another copy holds the lease');
      },
    });
    expect(checks).toBe(2); // one per phase: target groups, then rules
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'skipped', 'skipped']);
    expect(results[2]!.error).toContain('LeaseLost');
    expect(m.loadBalancer.createRule).not.toHaveBeenCalled();
  });

  it('holds back the actions of services in back-off, and only those', async () => {
    const m = mutations();
    const results = await applyPlan([tgCreate('a'), tgCreate('b')], m, silentLogger(), { hold: new Map([['a', 'backing off after 2 failed passes']]) });
    expect(results.map((r) => `${r.actionId} ${r.outcome}`)).toEqual(['create:targetGroup:a skipped', 'create:targetGroup:b applied']);
    expect(results[0]!.error).toBe('backing off after 2 failed passes');
  });
});

describe('a certificate ACM still holds in use (ResourceInUseException)', () => {
  it('is pending, not failed, and never blocks the service\'s other deletions', async () => {
    const { AcmApplier } = await import('../aws/acm/certificates.ts');
    const { ACMClient, DeleteCertificateCommand } = await import('@aws-sdk/client-acm');
    const { mockClient } = await import('aws-sdk-client-mock');
    const acm = new ACMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    mockClient(acm).on(DeleteCertificateCommand).rejects(Object.assign(new Error('Certificate arn:c is in use.'), { name: 'ResourceInUseException' }));
    const m = mutations();
    m.naming = { deleteCertificate: (arn: string) => new AcmApplier(acm).deleteCertificate(arn) } as unknown as Mutations['naming'];
    const certDelete: Action = { id: 'delete:certificate:gone:c', op: 'delete', kind: 'certificate', service: 'gone', resourceId: 'arn:c', reason: 'r', diffs: [], phase: 4, payload: { type: 'deleteCertificate', arn: 'arn:c' } };
    const ruleDelete: Action = { id: 'delete:listenerRule:gone:r', op: 'delete', kind: 'listenerRule', service: 'gone', resourceId: 'arn:r', reason: 'r', diffs: [], phase: 20, payload: { type: 'deleteRule', arn: 'arn:r' } };
    const results = await applyPlan([certDelete, ruleDelete], m, silentLogger());
    expect(results.map((r) => r.outcome)).toEqual(['pending', 'applied']);
    expect(results[0]!.error).toMatch(/still in use/);
    expect(m.loadBalancer.deleteRule).toHaveBeenCalledWith('arn:r');
  });
});
