import { describe, expect, it } from 'vitest';
import type { DriftResponse, ServiceReport } from '../model/report-contract.ts';
import { driftResponse } from '../../test/unit/builders.ts';
import { IN_SYNC_ROWS, renderDashboard } from './html.ts';

/** The dashboard's shape at scale: problems first, in-sync services summarized past IN_SYNC_ROWS. */
const report = (services: ServiceReport[]): DriftResponse => driftResponse(services);

const svc = (name: string, status: ServiceReport['status']): ServiceReport => ({
  name,
  status,
  resources: [{ kind: 'listenerRule', id: `rule-${name}`, status, diffs: status === 'InSync' ? [] : [{ path: 'listenerRule.priority', desired: 1, live: 2 }] }],
});

const rowNames = (html: string) => [...html.matchAll(/<th scope="row" class="svc"><span class="name">([^<]+)<\/span>/g)].map((m) => m[1]);

describe('dashboard at scale', () => {
  it('lists problems first (worst status first, then by name), whatever the report order', () => {
    const html = renderDashboard(report([svc('a', 'InSync'), svc('b', 'Drifted'), svc('c', 'Conflict'), svc('d', 'Drifted')]), { refreshSeconds: 10, now: Date.now() });
    expect(rowNames(html)).toEqual(['c', 'b', 'd', 'a']);
    expect(html).not.toContain('services in sync, nothing to do');
  });

  it(`past ${IN_SYNC_ROWS} in-sync services, those are one summary line; every problem keeps its row`, () => {
    const many = Array.from({ length: 1000 }, (_, i) => svc(`svc-${String(i).padStart(4, '0')}`, i % 100 === 7 ? 'Drifted' : 'InSync'));
    const html = renderDashboard(report(many), { refreshSeconds: 10, now: Date.now() });
    const rows = rowNames(html);
    expect(rows).toHaveLength(10);
    expect(rows.every((n) => Number(n!.slice(4)) % 100 === 7)).toBe(true);
    expect(html).toContain('990 services in sync, nothing to do');
    // Each in-sync service is still named once, in the summary.
    expect(html).toContain('<code>svc-0000</code>');
    const small = renderDashboard(report(many.slice(0, IN_SYNC_ROWS)), { refreshSeconds: 10, now: Date.now() });
    expect(rowNames(small)).toHaveLength(IN_SYNC_ROWS);
  });
});
