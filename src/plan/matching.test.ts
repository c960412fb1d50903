import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desiredFrom, emptyObserved, rule, svc, withLoadBalancerCounts } from '../../test/unit/builders.ts';
import { albValueMatches, regexCanMatch } from './matching.ts';
import { plan } from './planner.ts';

/** The backtracking reading of an ALB wildcard, for comparison on small inputs only. */
function wildcardByRegExp(pattern: string, value: string): boolean {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'is').test(value);
}

describe('ALB wildcard matching (linear time)', () => {
  it('agrees with the regular-expression reading on small patterns and values', () => {
    const ch = fc.constantFrom('a', 'B', 'b', '*', '?', '.', '-');
    fc.assert(
      fc.property(fc.string({ unit: ch, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', 'B', '.', '-'), maxLength: 10 }), (p, v) => {
        expect(albValueMatches(p, v)).toBe(wildcardByRegExp(p, v));
      }),
      { numRuns: 3000 },
    );
  });

  it('is case-insensitive and anchored', () => {
    expect(albValueMatches('PY', 'py')).toBe(true);
    expect(albValueMatches('p?', 'py')).toBe(true);
    expect(albValueMatches('p', 'py')).toBe(false);
    expect(albValueMatches('*', '')).toBe(true);
  });
});

describe('foreign header regexes (RE2: linear time)', () => {
  it('searches case-insensitively anywhere in the value', () => {
    expect(regexCanMatch('^p[a-z]$', 'PY')).toEqual({ matches: true });
    expect(regexCanMatch('y', 'py')).toEqual({ matches: true });
    expect(regexCanMatch('^x', 'py')).toEqual({ matches: false });
  });

  it('an expression RE2 cannot compile is unknown, never a silent answer', () => {
    expect(regexCanMatch('(?<=a)b', 'ab')).toMatchObject({ unknown: expect.stringContaining('invalid') });
    expect(regexCanMatch('(a', 'a')).toMatchObject({ unknown: expect.stringContaining('missing closing') });
  });

  it('a catastrophic pattern against a 127-character value: the plan finishes in under 100 ms', () => {
    const value = 'a'.repeat(127);
    const desired = desiredFrom([svc('py', { headerValue: value, priority: 10 })]);
    const observed = emptyObserved();
    const foreign = rule('arn:foreign/evil', 5, 'unrelated', 'arn:tg/x');
    foreign.headerConditions[0]!.regexValues = ['^(.*){31}!$'];
    observed.rules.push(foreign);
    withLoadBalancerCounts(observed);
    plan(desired, observed); // warm up (module load, JIT)
    const started = performance.now();
    const p = plan(desired, observed);
    const elapsed = performance.now() - started;
    console.log(`plan with ^(.*){31}!$ against a 127-character value: ${elapsed.toFixed(1)} ms`);
    expect(elapsed).toBeLessThan(100);
    // The pattern cannot match (no "!" in the value): no conflict, the rule is created.
    expect(p.actions.map((a) => a.kind)).toContain('listenerRule');
  });

  it('a foreign regex RE2 cannot evaluate, evaluated before ours, is a Conflict that says so', () => {
    const desired = desiredFrom([svc('py', { priority: 10 })]);
    const observed = emptyObserved();
    const foreign = rule('arn:foreign/lookbehind', 5, 'unrelated', 'arn:tg/x');
    foreign.headerConditions[0]!.regexValues = ['(?<=p)y'];
    observed.rules.push(foreign);
    const p = plan(desired, withLoadBalancerCounts(observed));
    const r = p.services[0]!.resources.find((x) => x.kind === 'listenerRule')!;
    expect(r.status).toBe('Conflict');
    expect(r.message).toMatch(/cannot evaluate/);
    expect(p.actions.filter((a) => a.kind === 'listenerRule')).toEqual([]);
  });
});

describe('many costly foreign expressions', () => {
  const costly = ['(\\pL|\\pN){99}', '(a?){99}a{99}', '(.|..){99}', '(a|aa){99}', '(\\b.|\\B.){99}'];
  const setupMany = (patterns: string[]) => {
    const desired = desiredFrom(Array.from({ length: 90 }, (_, i) => svc(`s${i}`, { priority: 100 + i })));
    const observed = emptyObserved();
    for (let r = 0; r < 10; r++) {
      const foreign = rule(`arn:foreign/${r}`, r + 1, `x${r}`, 'arn:tg/x');
      foreign.headerConditions[0]!.regexValues = patterns.map((c) => `${c}${r}`);
      observed.rules.push(foreign);
    }
    return { desired, observed: withLoadBalancerCounts(observed) };
  };

  it('90 services against 10 foreign rules of 5 costly expressions each (none matching): each compiled once, printed', () => {
    const { desired, observed } = setupMany(costly);
    const first = performance.now();
    const p = plan(desired, observed);
    const firstMs = performance.now() - first;
    const again = performance.now();
    plan(desired, observed);
    console.log(`90 services x 10 foreign rules x 5 costly expressions: first plan ${firstMs.toFixed(0)} ms, the next ${(performance.now() - again).toFixed(0)} ms`);
    expect(p.services.every((s) => s.status === 'Missing')).toBe(true);
  });

  it('a repetition count of 100 or more is not compiled: such a rule evaluated first is a Conflict that says so', () => {
    const { desired, observed } = setupMany(['(\\pL|\\pN){1000}']);
    const r0 = plan(desired, observed).services[0]!.resources.find((r) => r.kind === 'listenerRule')!;
    expect(r0.status).toBe('Conflict');
    expect(r0.message).toMatch(/repetition count of 100 or more/);
  });
});
