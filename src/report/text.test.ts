import { describe, expect, it } from 'vitest';
import { buildReport } from '../plan/report.ts';
import type { Plan } from '../plan/types.ts';
import { renderText } from './text.ts';

const calls = { total: 3, mutating: 1, throttled: 0, retries: 0, lostAnswers: 0, byService: { ELBv2: 3 }, byOperation: { 'ELBv2.DescribeRules': 1, 'ELBv2.CreateRule': 1, 'ELBv2.DescribeTargetGroups': 1 } };

describe('renderText', () => {
  it('prints one line per service with its status word, then the actions with their diffs', () => {
    const plan: Plan = {
      services: [
        { name: 'fastapi-app', status: 'InSync', resources: [] },
        { name: 'loopback-app', status: 'Drifted', resources: [{ kind: 'listenerRule', id: 'arn:r', status: 'Drifted', diffs: [] }] },
      ],
      actions: [
        {
          id: 'x',
          op: 'update',
          kind: 'listenerRule',
          service: 'loopback-app',
          resourceId: 'arn:r',
          reason: 'rule differs from the document (condition.httpHeader.values)',
          diffs: [{ path: 'listenerRule.condition.httpHeader.values', desired: ['loopback-app'], live: ['hijacked'] }],
          phase: 41,
          payload: { type: 'deleteRule', arn: 'arn:r' },
        },
      ],
      ownedByKind: {},
      deletesByKind: {},
      ownedResourceCount: 4,
      deleteCount: 0,
    };
    const text = renderText(buildReport({ passId: 'p1', mode: 'dry-run', generatedAt: 't', source: { uri: 'file:x', version: 'v' }, plan, durationMs: 5, awsCalls: calls }));
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('fastapi-app'))).toMatch(/^fastapi-app\s+InSync/);
    expect(lines.find((l) => l.startsWith('loopback-app'))).toMatch(/^loopback-app\s+Drifted\s+listenerRule Drifted/);
    expect(text).toContain('~ update listenerRule loopback-app arn:r: rule differs from the document');
    expect(text).toContain('listenerRule.condition.httpHeader.values: desired ["loopback-app"], live ["hijacked"]');
    expect(text).toContain('Outcome: DriftFound');
  });

  it("prints a resource's warning under its service (the dashboard and /metrics show it too)", () => {
    const plan: Plan = {
      services: [{ name: 'py', status: 'InSync', resources: [{ kind: 'certificate', id: 'arn:c', status: 'InSync', diffs: [], warning: 'expires in 4 day(s) and will not be renewed' }] }],
      actions: [],
      ownedByKind: {},
      deletesByKind: {},
      ownedResourceCount: 1,
      deleteCount: 0,
    };
    const text = renderText(buildReport({ passId: 'p1', mode: 'reconcile', generatedAt: 't', source: { uri: 'file:x', version: 'v' }, plan, durationMs: 5, awsCalls: calls }));
    expect(text).toMatch(/WARNING\s+certificate arn:c: expires in 4 day\(s\)/);
  });
});
