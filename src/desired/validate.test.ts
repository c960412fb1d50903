import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RouteyardError } from '../errors.ts';
import { validateDocument } from './validate.ts';

const example = readFileSync(new URL('../../desired-state.example.json', import.meta.url), 'utf8');

function errorsOf(text: string, ruleQuota?: number) {
  try {
    validateDocument(text, ruleQuota === undefined ? {} : { ruleQuota });
  } catch (err) {
    expect(err).toBeInstanceOf(RouteyardError);
    return (err as RouteyardError).fieldErrors;
  }
  throw new Error('expected the document to be invalid');
}

describe('validateDocument', () => {
  it('accepts the example with its five reference services', () => {
    const doc = validateDocument(example);
    expect(doc.spec.services.map((s) => [s.name, s.priority])).toEqual([
      ['fastapi-app', 2],
      ['loopback-app', 3],
      ['zeropoint-app', 4],
      ['fastapi-prerelease', 11],
      ['gantt-autoscheduler-qa', 15],
    ]);
  });

  it('names the line and column of a JSON syntax error', () => {
    expect(errorsOf('{\n  "a": 1,\n}')[0]!.message).toMatch(/line 3, column 1/);
  });

  it('finds a priority band too small for the services that need one', () => {
    const doc = JSON.parse(example);
    doc.spec.shared.priorityBand = { from: 100, to: 101 };
    for (const s of doc.spec.services) delete s.priority;
    expect(errorsOf(JSON.stringify(doc))).toEqual([{ path: 'spec.shared.priorityBand', message: 'has room for 2 automatic priorities but 5 services need one' }]);
  });

  it('applies the configured rule quota', () => {
    expect(errorsOf(example, 4)).toEqual([{ path: 'spec.services', message: expect.stringContaining('needs 5 listener rules but the listener quota is 4') }]);
  });
});
