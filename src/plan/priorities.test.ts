import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredFrom, svc } from '../../test/unit/builders.ts';
import { decidePriorities } from './priorities.ts';

const band = { from: 100, to: 110 };

describe('decidePriorities', () => {
  it('honours declared priorities, keeps live ones, assigns the lowest free in the band', () => {
    const services = desiredFrom([svc('b'), svc('a', { priority: 100 }), svc('c'), svc('d')]).services;
    const out = decidePriorities({
      services,
      band,
      livePriorityByService: new Map([['c', 105]]),
      foreignPriorities: new Set([101]),
    });
    expect(Object.fromEntries(out)).toEqual({
      a: { priority: 100, source: 'declared' },
      b: { priority: 102, source: 'assigned' },
      c: { priority: 105, source: 'kept' },
      d: { priority: 103, source: 'assigned' },
    });
  });

  it('moves a kept priority that another service now declares', () => {
    const services = desiredFrom([svc('a'), svc('b', { priority: 100 })]).services;
    const out = decidePriorities({ services, band, livePriorityByService: new Map([['a', 100]]), foreignPriorities: new Set() });
    expect(out.get('a')).toEqual({ priority: 101, source: 'assigned' });
  });

  it('a declared priority held by a foreign rule is a conflict; an exhausted band says so', () => {
    const services = desiredFrom([svc('a', { priority: 7 }), ...Array.from({ length: 12 }, (_, i) => svc(`s${i}`))], { priorityBand: { from: 100, to: 115 } }).services;
    const out = decidePriorities({ services, band, livePriorityByService: new Map(), foreignPriorities: new Set([7]) });
    expect(out.get('a')).toEqual({ conflict: 'priority 7 is held by a listener rule routeyard does not own' });
    expect([...out.values()].filter((d) => 'exhausted' in d)).toHaveLength(1);
  });

  it('never gives two services one priority and never takes a foreign one (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1 }),
        fc.uniqueArray(fc.integer({ min: 98, max: 112 }), { maxLength: 6 }),
        fc.func(fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined })),
        (names, foreign, declaredFor) => {
          const used = new Set<number>();
          const services = desiredFrom(
            names.map((n) => {
              const p = declaredFor(n);
              if (p === undefined || used.has(p)) return svc(n);
              used.add(p);
              return svc(n, { priority: p });
            }),
          ).services;
          const out = decidePriorities({ services, band, livePriorityByService: new Map(), foreignPriorities: new Set(foreign) });
          const given = [...out.values()].flatMap((d) => ('priority' in d ? [d.priority] : []));
          expect(new Set(given).size).toBe(given.length);
          for (const p of given) expect(foreign).not.toContain(p);
        },
      ),
    );
  });
});

describe('decidePriorities: ECS test rules (deployment.testTraffic)', () => {
  const canary = { deployment: { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } } };
  const ecsOnly = { deployment: { strategy: 'ecs' } };
  const decide = (services: ReturnType<typeof svc>[], live: Record<string, number> = {}, liveTest: Record<string, number> = {}, foreign: number[] = []) =>
    Object.fromEntries(
      decidePriorities({
        services: desiredFrom(services).services,
        band,
        livePriorityByService: new Map(Object.entries(live)),
        liveTestPriorityByService: new Map(Object.entries(liveTest)),
        foreignPriorities: new Set(foreign),
      }),
    );

  it('a declared priority with testTraffic gives the test rule priority - 1; without testTraffic there is no test priority', () => {
    expect(decide([svc('a', { priority: 7, ...canary }), svc('b', { priority: 20, ...ecsOnly })])).toEqual({
      a: { priority: 7, source: 'declared', testPriority: 6 },
      b: { priority: 20, source: 'declared' },
    });
  });

  it('a foreign rule at priority - 1 is a conflict for the service that declares priority', () => {
    const out = decide([svc('a', { priority: 7, ...canary })], {}, {}, [6]);
    expect(out.a).toEqual({ conflict: 'priority 6, which the test rule takes (priority - 1), is held by a listener rule routeyard does not own: declare another priority, or remove deployment.testTraffic' });
    // Without testTraffic, the same foreign rule is no one's business.
    expect(decide([svc('a', { priority: 7 })], {}, {}, [6]).a).toEqual({ priority: 7, source: 'declared' });
  });

  it('automatic services with testTraffic get the lowest free adjacent pair, around foreign and declared priorities', () => {
    // 101 is foreign and b declares 105 (its test rule 104): by name, a takes the pair 102/103,
    // c the single 100, d the next free pair 106/107.
    const out = decide([svc('d', canary), svc('a', canary), svc('b', { priority: 105, ...canary }), svc('c')], {}, {}, [101]);
    expect(out).toEqual({
      a: { priority: 103, source: 'assigned', testPriority: 102 },
      b: { priority: 105, source: 'declared', testPriority: 104 },
      c: { priority: 100, source: 'assigned' },
      d: { priority: 107, source: 'assigned', testPriority: 106 },
    });
  });

  it('a single free slot between taken ones is skipped for a pair but used by a service with one rule', () => {
    const out = decide([svc('a', canary), svc('z')], {}, {}, [101, 103]);
    expect(out).toEqual({ a: { priority: 100 + 5, source: 'assigned', testPriority: 104 }, z: { priority: 100, source: 'assigned' } });
  });

  it('a band with no free pair left is exhausted for the service that needs one', () => {
    const out = Object.fromEntries(
      decidePriorities({ services: desiredFrom([svc('a', canary)]).services, band: { from: 100, to: 102 }, livePriorityByService: new Map(), foreignPriorities: new Set([101]) }),
    );
    expect(out.a).toEqual({ exhausted: true });
  });

  it('a kept production rule keeps its test rule at priority - 1', () => {
    expect(decide([svc('a', canary)], { a: 105 }, { a: 104 })).toEqual({ a: { priority: 105, source: 'kept', testPriority: 104 } });
    // testTraffic just added: the production rule stays, its test rule goes to the free priority just before it.
    expect(decide([svc('a', canary)], { a: 105 })).toEqual({ a: { priority: 105, source: 'kept', testPriority: 104 } });
  });

  it('a kept production rule whose priority - 1 is held by another service\'s rule moves, with its test rule, to a free pair', () => {
    const out = decide([svc('a', canary), svc('b')], { a: 105, b: 104 });
    expect(out.b).toEqual({ priority: 104, source: 'kept' });
    expect(out.a).toEqual({ priority: 101, source: 'assigned', testPriority: 100 });
    // The same when the holder is another service's test rule.
    const tests = decide([svc('a', canary), svc('b', canary)], { a: 105, b: 108 }, { b: 104 });
    expect(tests.a).toMatchObject({ source: 'assigned' });
    expect(tests.a).not.toMatchObject({ priority: 105 });
    // ...or a foreign rule, or a priority another service declares.
    expect(decide([svc('a', canary)], { a: 105 }, {}, [104]).a).toMatchObject({ source: 'assigned', priority: 101, testPriority: 100 });
    expect(decide([svc('a', canary), svc('b', { priority: 104 })], { a: 105 }).a).toMatchObject({ source: 'assigned', priority: 101, testPriority: 100 });
    // ...or when priority - 1 lies outside the band.
    expect(decide([svc('a', canary)], { a: 100 }).a).toEqual({ priority: 102, source: 'assigned', testPriority: 101 });
  });

  it('never gives one priority twice (production or test) and never a foreign one, whatever the order of the document (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), test: fc.boolean(), declared: fc.option(fc.integer({ min: 2, max: 30 }), { nil: undefined }) }), { minLength: 1, selector: (s) => s.name }),
        fc.uniqueArray(fc.integer({ min: 99, max: 111 }), { maxLength: 5 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 98, max: 112 })),
        fc.integer({ min: 0, max: 1000 }),
        (specs, foreign, liveRaw, seed) => {
          // Only documents validation accepts: declared priorities (and their p - 1) distinct.
          const used = new Set<number>();
          const services = specs.map((s) => {
            const extra = s.test ? canary : {};
            const needs = s.declared === undefined ? [] : s.test ? [s.declared, s.declared - 1] : [s.declared];
            if (s.declared === undefined || needs.some((p) => used.has(p))) return svc(s.name, extra);
            needs.forEach((p) => used.add(p));
            return svc(s.name, { priority: s.declared, ...extra });
          });
          const withTest = new Set<string>(specs.filter((s) => s.test).map((s) => s.name));
          // Live priorities as AWS could hold them: distinct, and not where a foreign rule is.
          const livePs = new Set<number>(foreign);
          const live: Record<string, number> = {};
          for (const [n, p] of Object.entries(liveRaw)) {
            if (!services.some((s) => s.name === n) || livePs.has(p)) continue;
            livePs.add(p);
            live[n] = p;
          }
          // Test rules already live just before their production rule, on every other run.
          const liveTest: Record<string, number> = {};
          if (seed % 2 === 0) {
            for (const [n, p] of Object.entries(live)) {
              if (!withTest.has(n) || livePs.has(p - 1)) continue;
              livePs.add(p - 1);
              liveTest[n] = p - 1;
            }
          }
          const out = decide(services, live, liveTest, foreign);
          const given = Object.values(out).flatMap((d) => ('priority' in d ? [d.priority, ...(d.testPriority !== undefined ? [d.testPriority] : [])] : []));
          expect(new Set(given).size).toBe(given.length);
          for (const p of given) expect(foreign).not.toContain(p);
          for (const [n, d] of Object.entries(out)) {
            if (!('priority' in d)) continue;
            const wantsTest = withTest.has(n);
            expect(d.testPriority).toBe(wantsTest ? d.priority - 1 : undefined);
          }
          // Document order does not matter.
          const shuffled = [...services].sort((x, y) => ((x.name.charCodeAt(0) * 7919 + seed) % 13) - ((y.name.charCodeAt(0) * 7919 + seed) % 13));
          expect(decide(shuffled, live, liveTest, foreign)).toEqual(out);
          expect(decide([...services].reverse(), live, liveTest, foreign)).toEqual(out);
        },
      ),
    );
  });
});
