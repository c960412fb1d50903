import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Status } from '../../src/model/report-contract.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
const section = (heading: string) => {
  const from = page.indexOf(`## ${heading}`);
  const to = page.indexOf('\n## ', from + 1);
  return page.slice(from, to < 0 ? undefined : to);
};

describe('docs/operations.md troubleshooting', () => {
  it('has a row for every error code routeyard reports (src/errors.ts)', () => {
    const source = readFileSync(join(ROOT, 'src/errors.ts'), 'utf8');
    const union = source.slice(source.indexOf('export type ErrorCode'), source.indexOf('\n\n', source.indexOf('export type ErrorCode')));
    const codes = [...union.matchAll(/^\s*\| '([A-Za-z]+)'/gm)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(10);
    const table = section('Troubleshooting by error code');
    for (const code of codes) expect(table, code).toContain(`| \`${code}\` |`);
  });

  it('has a row for every status a service or resource can have', () => {
    const table = section('Troubleshooting by status');
    for (const status of Status.options) expect(table, status).toContain(`| \`${status}\` |`);
  });
});
