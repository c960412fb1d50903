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
