import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OWNER, convergedObserved, desiredFrom, emptyObserved, ownedRule, rule, svc, targetGroup, withLoadBalancerCounts } from '../../test/unit/builders.ts';
import { ownershipTags } from '../model/tags.ts';
import { plan } from './planner.ts';

const api = {
  cors: { allowOrigins: ['https://app.acmecorp.com'], allowMethods: ['*'], allowCredentials: true, maxAgeSeconds: 86400 },
  stage: { throttling: { rateLimit: 10000, burstLimit: 5000 }, detailedMetrics: true, accessLog: { destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:x' } },
};

describe('planner', () => {
  it('plans creates in dependency order: target group, then rule, then API chain', () => {
    const p = plan(desiredFrom([svc('a', { priority: 5, api })]), emptyObserved());
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['create targetGroup', 'create listenerRule', 'create httpApi', 'create integration', 'create route', 'create stage']);
    const createRule = p.actions[1]!;
    expect(createRule.payload).toMatchObject({ type: 'createRule', priority: 5, targetGroupArn: { fromAction: p.actions[0]!.id }, tags: ownershipTags(OWNER, 'a') });
    expect(p.services[0]!.status).toBe('Missing');
  });

  it('plans nothing for a converged account', () => {
    const desired = desiredFrom([svc('a', { priority: 5, api }), svc('b', { api: { routes: ['GET /x', 'POST /y'] } })]);
    const p = plan(desired, convergedObserved(desired, { b: 1000 }));
    expect(p.actions).toEqual([]);
    expect(p.services.map((s) => s.status)).toEqual(['InSync', 'InSync']);
  });

  it('reports a stage whose throttling differs and plans UpdateStage (no recreate)', () => {
    const desired = desiredFrom([svc('a', { priority: 5, api })]);
    const observed = convergedObserved(desired, {});
    const stage = observed.apis[0]!.children!.readable ? observed.apis[0]!.children!.stages[0]! : undefined;
    stage!.throttlingRateLimit = 50;
    delete stage!.accessLog;
    const p = plan(desired, observed);
    expect(p.actions).toHaveLength(1);
    expect(p.actions[0]).toMatchObject({ op: 'update', kind: 'stage', payload: { type: 'updateStage' } });
    expect(p.actions[0]!.reason).toContain('no access logs');
    expect(p.actions[0]!.diffs).toContainEqual({ path: 'stage.throttling.rateLimit', desired: 10000, live: 50 });
  });

  it('never plans an action on a resource it does not own (property)', () => {
    const names = ['a', 'b', 'c', 'd'];
    fc.assert(
      fc.property(
        fc.subarray(names, { minLength: 1 }),
        fc.array(fc.record({ priority: fc.integer({ min: 1, max: 20 }), value: fc.constantFrom('a', 'b', 'zz', '*'), owner: fc.constantFrom(undefined, 'someone-else') }), { maxLength: 6 }),
        (wanted, foreign) => {
          const desired = desiredFrom(wanted.map((n, i) => svc(n, i % 2 ? { priority: i + 1, api: {} } : { api: {} })));
          const observed = emptyObserved();
          const seen = new Set<number>();
          foreign.forEach((f, i) => {
            if (seen.has(f.priority)) return;
            seen.add(f.priority);
            observed.rules.push(rule(`arn:foreign/${i}`, f.priority, f.value, 'arn:tg/foreign', f.owner ? { 'routeyard:owner': f.owner } : {}));
          });
          observed.targetGroups.push(targetGroup('ry-a-deadbeef'), targetGroup('ry-b-0000', { 'routeyard:owner': 'someone-else', 'routeyard:service': 'b' }));
          observed.apis.push({ id: 'foreign-api', name: 'a-http-api', protocolType: 'HTTP', tags: {} });
          const p = plan(desired, observed);
          const foreignIds = new Set(['arn:tg/ry-a-deadbeef', 'arn:tg/ry-b-0000', 'foreign-api', ...observed.rules.map((r) => r.arn)]);
          for (const a of p.actions) {
            expect(foreignIds.has(a.resourceId)).toBe(false);
            expect(JSON.stringify(a.payload)).not.toMatch(/arn:foreign|foreign-api|arn:tg\/ry-[ab]-/);
          }
          // Every priority it creates avoids every foreign rule.
          for (const a of p.actions) if (a.payload.type === 'createRule') expect(seen.has(a.payload.priority)).toBe(false);
        },
      ),
    );
  });

  it('gives the same plan whatever order AWS listed things in (property)', () => {
    const desired = desiredFrom([svc('a'), svc('b', { priority: 3 }), svc('c')]);
    const base = emptyObserved();
    base.rules.push(ownedRule('a', 1000, 'arn:tg/x'), rule('arn:foreign', 1001, 'q', 'arn:tg/q'), ownedRule('gone', 7, 'arn:tg/y'));
    base.targetGroups.push(targetGroup('ry-gone-1234', ownershipTags(OWNER, 'gone')));
    const reference = plan(desired, base);
    fc.assert(
      fc.property(fc.shuffledSubarray(base.rules, { minLength: 3, maxLength: 3 }), (rules) => {
        expect(plan(desired, { ...base, rules })).toEqual(reference);
      }),
    );
  });

  it('a foreign rule on a wanted priority or header is a Conflict, and nothing is planned for that rule', () => {
    const observed = emptyObserved();
    observed.rules.push(rule('arn:foreign/1', 2, 'someone', 'arn:tg/f'), rule('arn:foreign/2', 9, 'pay*', 'arn:tg/f'));
    const p = plan(desiredFrom([svc('one', { priority: 2 }), svc('payments'), svc('ok', { priority: 3 })]), observed);
    const status = Object.fromEntries(p.services.map((s) => [s.name, s.status]));
    expect(status).toEqual({ one: 'Conflict', payments: 'Conflict', ok: 'Missing' });
    expect(p.actions.filter((a) => a.kind === 'listenerRule').map((a) => a.service)).toEqual(['ok']);
    expect(p.services[1]!.resources[0]!.message).toContain('arn:foreign/2');
  });

  it('orphans: deletes API children before the API, the rule before its target group; counts them for the guard', () => {
    const desired = desiredFrom([svc('keep', { priority: 1 })]);
    const observed = convergedObserved(desiredFrom([svc('keep', { priority: 1 }), svc('gone', { priority: 2, api: {} })]), {});
    const p = plan(desired, observed);
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['delete route', 'delete integration', 'delete stage', 'delete httpApi', 'delete listenerRule', 'delete targetGroup']);
    expect(p.deleteCount).toBe(3);
    expect(p.ownedResourceCount).toBe(5);
    expect(p.services.find((s) => s.name === 'gone')?.status).toBe('Orphaned');
  });

  it('an integration that appends the header is flagged with the security reason', () => {
    const desired = desiredFrom([svc('a', { priority: 1, api: {} })]);
    const observed = convergedObserved(desired, {});
    const integration = observed.apis[0]!.children!.readable ? observed.apis[0]!.children!.integrations[0]! : undefined;
    integration!.requestParameters = { 'append:header.X-Target-Service': 'a' };
    const p = plan(desired, observed);
    expect(p.actions[0]!.reason).toMatch(/appended, not overwritten: a client could choose the backend/);
    expect(p.actions[0]!.payload).toMatchObject({ type: 'updateIntegration', removeParameters: ['append:header.X-Target-Service'] });
  });

  it('an API whose children could not be read is an Error for that service, with no actions', () => {
    const desired = desiredFrom([svc('a', { priority: 1, api: {} })]);
    const observed = convergedObserved(desired, {});
    observed.apis[0]!.children = { readable: false, error: 'TooManyRequestsException: slow down' };
    const p = plan(desired, observed);
    expect(p.services[0]!.status).toBe('Error');
    expect(p.actions).toEqual([]);
  });

  it('CORS wider than declared is reported as such', () => {
    const desired = desiredFrom([svc('a', { priority: 1, api })]);
    const observed = convergedObserved(desired, {});
    observed.apis[0]!.cors = { ...observed.apis[0]!.cors!, allowOrigins: ['https://app.acmecorp.com', 'https://evil.example'] };
    const p = plan(desired, observed);
    expect(p.actions[0]!.reason).toBe('CORS is wider than declared (allowOrigins adds https://evil.example)');
  });
});

describe('planner: replacement while the rule is blocked', () => {
  it('keeps the superseded target group while a foreign rule blocks the service rule', () => {
    const desired = desiredFrom([svc('a', { priority: 5 })]);
    const observed = emptyObserved();
    // The old group has no healthy target, so without the conflict the switch would be at once.
    const old = targetGroup('ry-a-oldhash0', ownershipTags(OWNER, 'a'), { port: 9000, health: { readable: true, healthy: 0, registered: 0, states: {} } });
    observed.targetGroups.push(old);
    observed.rules.push(ownedRule('a', 5, old.arn), rule('arn:foreign/1', 1, 'a', 'arn:tg/f'));
    const p = plan(desired, observed);
    expect(p.services[0]!.status).toBe('Conflict');
    expect(p.actions.map((a) => `${a.op} ${a.kind}`)).toEqual(['replace targetGroup']);
  });
});

describe('planner: exchanging priorities', () => {
  it('parks each rule whose priority another takes on a free priority from the top', () => {
    const desired = desiredFrom([svc('a', { priority: 3 }), svc('b', { priority: 2 }), svc('c', { priority: 4 })]);
    const observed = convergedObserved(desiredFrom([svc('a', { priority: 2 }), svc('b', { priority: 3 }), svc('c', { priority: 4 })]), {});
    observed.rules.push(rule('arn:foreign/top', 50000, 'zzz', 'arn:tg/f'));
    const moves = plan(desired, observed).actions.map((a) => a.payload);
    expect(moves).toEqual([
      { type: 'setRulePriority', arn: 'arn:rule/a', from: 2, priority: 3, stagingPriority: 49999 },
      { type: 'setRulePriority', arn: 'arn:rule/b', from: 3, priority: 2, stagingPriority: 49998 },
    ]);
  });
});

describe('planner: listener rule quota', () => {
  it('turns creates beyond the quota (foreign rules included) into Errors', () => {
    const desired = { ...desiredFrom([svc('a', { priority: 1 }), svc('b', { priority: 2 }), svc('c', { priority: 3 })]), ruleQuota: 3 };
    const observed = emptyObserved();
    observed.rules.push(rule('arn:foreign/1', 40, 'other', 'arn:tg/f'));
    const p = plan(desired, withLoadBalancerCounts(observed));
    expect(p.actions.filter((a) => a.kind === 'listenerRule').map((a) => a.service)).toEqual(['a', 'b']);
    const c = p.services.find((s) => s.name === 'c')!;
    expect(c.status).toBe('Error');
    expect(c.resources[0]!.message).toContain('quota of 3 rules');
  });
});

describe('planner: fixpoint (property)', () => {
  const serviceArb = fc.record({
    priority: fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }),
    port: fc.integer({ min: 1, max: 65535 }),
    healthCheck: fc.record({ path: fc.constantFrom('/', '/healthz'), intervalSeconds: fc.integer({ min: 6, max: 300 }), matcher: fc.constantFrom('200', '200-299') }, { requiredKeys: ['path'] }),
    api: fc.option(
      fc.record(
        {
          description: fc.string({ maxLength: 20 }),
          routes: fc.uniqueArray(fc.constantFrom('$default', 'GET /a', 'POST /a', 'ANY /b/{proxy+}'), { minLength: 1 }),
          cors: fc.record({ allowOrigins: fc.uniqueArray(fc.constantFrom('https://a.example', 'https://B.example')), allowCredentials: fc.boolean(), maxAgeSeconds: fc.integer({ min: 0, max: 86400 }) }, { requiredKeys: [] }),
          stage: fc.record({ throttling: fc.record({ rateLimit: fc.integer({ min: 0, max: 10000 }), burstLimit: fc.integer({ min: 0, max: 5000 }) }), detailedMetrics: fc.boolean() }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
  });

  it('the live state that matches a document needs no action, whatever the document says', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), serviceArb), { minLength: 1, selector: ([n]) => n }), (entries) => {
        const used = new Set<number>();
        const services = entries.map(([name, s]) => {
          const priority = s.priority !== undefined && !used.has(s.priority) ? (used.add(s.priority), s.priority) : undefined;
          return {
            name,
            headerValue: name,
            ...(priority !== undefined ? { priority } : {}),
            targetGroup: { port: s.port, protocol: 'HTTP', targetType: 'ip', healthCheck: s.healthCheck },
            ...(s.api ? { api: s.api } : {}),
          };
        });
        const desired = desiredFrom(services);
        const assigned: Record<string, number> = {};
        desired.services.filter((s) => s.priority === undefined).forEach((s, i) => (assigned[s.name] = 2000 + i));
        const p = plan(desired, convergedObserved(desired, assigned));
        expect(p.actions).toEqual([]);
        expect(p.services.every((s) => s.status === 'InSync')).toBe(true);
      }),
    );
  });
});
