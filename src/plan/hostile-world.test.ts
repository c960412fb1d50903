import { describe, expect, it } from 'vitest';
import { convergedObserved, desiredFrom, svc } from '../../test/unit/builders.ts';
import type { ObservedApi, ObservedCustomDomain, ObservedState } from '../model/observed.ts';
import { checkGuards } from '../reconcile/guards.ts';
import { plan } from './planner.ts';

/** Issue 14: duplicates resolved towards the copy that serves; no deletes on a partial view. */
const api = { routes: ['$default'] };

function withDuplicate(observed: ObservedState, service: string, mutate: (copy: ObservedApi, original: ObservedApi) => void): ObservedState {
  const original = observed.apis.find((a) => a.tags['routeyard:service'] === service)!;
  const copy: ObservedApi = structuredClone(original);
  mutate(copy, original);
  observed.apis.push(copy);
  return observed;
}

/** A bare API as a lost CreateApi answer leaves it: tagged, no children. */
function bare(copy: ObservedApi): void {
  copy.children = { readable: true, integrations: [], routes: [], stages: [] };
}

describe('two copies of a service API: the one that serves stays', () => {
  it('keeps the API with the $default stage and route even when the bare copy has the lower id and is older', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = withDuplicate(convergedObserved(desired, {}), 'py', (copy, original) => {
      bare(copy);
      copy.id = '0000bare'; // sorts before api-py
      copy.createdAt = '2020-01-01T00:00:00Z';
      original.createdAt = '2026-01-01T00:00:00Z';
    });
    const p = plan(desired, observed);
    const deletes = p.actions.filter((a) => a.op === 'delete');
    expect(deletes.map((a) => a.resourceId)).toEqual(['0000bare']);
    expect(deletes[0]!.reason).toMatch(/api-py is kept \(it has the \$default stage and routes\)/);
    expect(p.actions.filter((a) => a.op !== 'delete')).toEqual([]);
  });

  it('keeps the API a custom domain maps to, before one that merely has a stage', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = withDuplicate(convergedObserved(desired, {}), 'py', (copy) => {
      copy.id = 'mapped-one';
    });
    const domain: ObservedCustomDomain = {
      name: 'old.acmecorp.com',
      tags: { 'routeyard:owner': desired.owner, 'routeyard:service': 'py' },
      mappings: { readable: true, items: [{ id: 'm1', apiId: 'mapped-one', stage: '$default', key: '' }] },
    };
    observed.naming = { certificates: [], domains: [domain], domainCount: 1, zones: [], slots: { create: true, update: true, delete: false }, region: 'eu-west-1' };
    const p = plan(desired, observed);
    const apiDeletes = p.actions.filter((a) => a.op === 'delete' && a.kind === 'httpApi');
    expect(apiDeletes.map((a) => a.resourceId)).toEqual(['api-py']);
    expect(apiDeletes[0]!.reason).toMatch(/mapped-one is kept \(a custom domain maps to it\)/);
  });

  it('with both copies serving, keeps the older', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = withDuplicate(convergedObserved(desired, {}), 'py', (copy, original) => {
      copy.id = 'aaa-newer';
      copy.createdAt = '2026-06-01T00:00:00Z';
      original.createdAt = '2026-01-01T00:00:00Z';
    });
    expect(plan(desired, observed).actions.filter((a) => a.kind === 'httpApi').map((a) => a.resourceId)).toEqual(['aaa-newer']);
  });

  it('deletes nothing while a copy was not read (rolling verification deferred it)', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = withDuplicate(convergedObserved(desired, {}), 'py', (copy) => {
      copy.id = 'zzz';
      copy.children = { readable: false, deferred: true };
    });
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.op === 'delete')).toEqual([]);
    expect(p.services[0]!.resources.find((r) => r.id === 'zzz')).toMatchObject({ status: 'Drifted' });
  });

  it('a second integration: the one the $default route targets stays, whatever the ids', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = convergedObserved(desired, {});
    const children = observed.apis[0]!.children!;
    if (!children.readable) throw new Error('unreachable');
    children.integrations.unshift({ ...children.integrations[0]!, id: '0-unused' });
    const p = plan(desired, observed);
    expect(p.actions.map((a) => `${a.op} ${a.kind} ${a.resourceId}`)).toEqual(['delete integration 0-unused']);
    expect(p.actions[0]!.reason).toMatch(/int-py is kept/);
  });

  it('two routes with one key: the one on the kept integration stays', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = convergedObserved(desired, {});
    const children = observed.apis[0]!.children!;
    if (!children.readable) throw new Error('unreachable');
    children.routes.unshift({ id: '0-dup', routeKey: '$default', target: 'integrations/elsewhere' });
    const p = plan(desired, observed);
    expect(p.actions.map((a) => `${a.op} ${a.kind} ${a.resourceId}`)).toEqual(['delete route 0-dup']);
  });
});

describe('no deletes on a partial view', () => {
  it('a service whose API children could not be read deletes nothing, not even a bare duplicate, and is an Error naming the read', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = withDuplicate(convergedObserved(desired, {}), 'py', (copy) => {
      bare(copy);
      copy.id = 'dup';
    });
    observed.apis[0]!.children = { readable: false, error: 'TooManyRequestsException: slow down' };
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.op === 'delete' || a.op === 'replace')).toEqual([]);
    expect(p.services[0]!.status).toBe('Error');
    expect(p.services[0]!.resources.find((r) => r.status === 'Error')!.message).toMatch(/TooManyRequestsException.*nothing of this service is deleted/);
  });

  it('a service the document dropped keeps everything while its API could not be read', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api }), svc('lp', { priority: 2, api })]);
    const observed = convergedObserved(desired, {});
    observed.apis.find((a) => a.id === 'api-lp')!.children = { readable: false, error: 'InternalFailure' };
    const p = plan(desiredFrom([svc('py', { priority: 1, api })]), observed);
    const lp = p.actions.filter((a) => a.service === 'lp');
    // Nothing of the service goes (not even its rule and target group) until a full read.
    expect(lp).toEqual([]);
    expect(p.services.find((s) => s.name === 'lp')!.status).toBe('Error');
  });

  it('other services are not held back by one failed read', () => {
    const desired = desiredFrom([svc('py', { priority: 1, api }), svc('lp', { priority: 2, api })]);
    const observed = withDuplicate(convergedObserved(desired, {}), 'lp', (copy) => {
      bare(copy);
      copy.id = 'dup-lp';
    });
    observed.apis.find((a) => a.id === 'api-py')!.children = { readable: false, error: 'InternalFailure' };
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.op === 'delete').map((a) => a.resourceId)).toEqual(['dup-lp']);
  });
});

describe('the mass-delete guard counts names too', () => {
  it('removing every custom domain trips it', () => {
    const domain = (n: number): ObservedCustomDomain => ({
      name: `d${n}.acmecorp.com`,
      tags: { 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'py' },
      mappings: { readable: true, items: [{ id: `m${n}`, apiId: 'api-py', stage: '$default', key: '' }] },
    });
    const desired = desiredFrom([svc('py', { priority: 1, api })]);
    const observed = convergedObserved(desired, {});
    observed.naming = { certificates: [], domains: [domain(1), domain(2), domain(3)], domainCount: 3, zones: [], slots: { create: true, update: true, delete: true, unpaced: true }, region: 'eu-west-1' };
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.op === 'delete').length).toBeGreaterThan(0);
    expect(checkGuards(p, { maxDeleteShare: 0.5, allowMassDelete: false })?.code).toBe('SafetyGuard');
  });
});

describe('a service renamed with its custom domain', () => {
  it('the old API keeps serving (no route, integration or stage deleted) while the domain still maps to it; Pending', () => {
    const desired = desiredFrom([svc('new-name', { priority: 2, api, domain: { name: 'qa.api.py.acmecorp.com', hostedZone: 'acmecorp.com', certificate: 'auto' } })]);
    const old = desiredFrom([svc('old-name', { priority: 1, api })]);
    const observed = convergedObserved(old, {});
    observed.naming = {
      certificates: [],
      domains: [{ name: 'qa.api.py.acmecorp.com', tags: { 'routeyard:owner': desired.owner, 'routeyard:service': 'old-name' }, mappings: { readable: true, items: [{ id: 'm1', apiId: 'api-old-name', stage: '$default', key: '' }] } }],
      domainCount: 1,
      zones: [{ ref: 'acmecorp.com', private: false, zone: { id: 'ZPUBLIC', name: 'acmecorp.com', private: false, records: [] } }],
      slots: { create: true, update: true, delete: true, unpaced: true },
      region: 'eu-west-1',
    };
    const p = plan(desired, observed);
    expect(p.actions.filter((a) => a.service === 'old-name' && ['route', 'integration', 'stage', 'httpApi'].includes(a.kind))).toEqual([]);
    expect(p.services.find((s) => s.name === 'old-name')!.resources.find((r) => r.id === 'api-old-name')).toMatchObject({ status: 'Pending' });
  });
});
