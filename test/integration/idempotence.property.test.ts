import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dryRun, exampleDoc, freshEmulator, reconcile, type Doc } from '../support/harness.ts';

/**
 * Property, against the real SDK and moto: whatever the live state left by the previous
 * document, applying the plan for a new document and then planning again yields no
 * actions. Each run starts from where the last one left off, so the runs walk through
 * creates, updates, replacements and deletes in random order.
 */
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

const serviceArb = (name: string, index: number, priority: number) =>
  fc.record({
    explicitPriority: fc.boolean(),
    port: fc.constantFrom(80, 8000, 8080),
    healthPath: fc.constantFrom('/healthz', '/ready'),
    interval: fc.option(fc.constantFrom(10, 30), { nil: undefined }),
    api: fc.option(
      fc.record({
        routes: fc.subarray(['$default', 'GET /items', 'POST /items'], { minLength: 1 }),
        cors: fc.option(fc.subarray(['https://app.acmecorp.com', 'https://admin.acmecorp.com'], { minLength: 1 }), { nil: undefined }),
      }),
      { nil: undefined },
    ),
  }).map((s) => ({
    name,
    headerValue: `${name}-svc`,
    // Explicit priorities are a random permutation each run, so runs exchange and chain them.
    ...(s.explicitPriority ? { priority } : {}),
    targetGroup: { port: s.port, protocol: 'HTTP', targetType: 'ip', healthCheck: { path: s.healthPath, ...(s.interval ? { intervalSeconds: s.interval } : {}) } },
    ...(s.api
      ? {
          api: {
            routes: s.api.routes,
            ...(s.api.cors ? { cors: { allowOrigins: s.api.cors, allowMethods: ['GET', 'POST'], allowCredentials: true, maxAgeSeconds: 600 } } : {}),
            // Stage settings are fixed per name: moto has no UpdateStage, so a changed stage
            // could not converge here (that path is covered by aws-sdk-client-mock unit tests).
            stage: { detailedMetrics: index % 2 === 0, throttling: { rateLimit: 100 * (index + 1), burstLimit: 50 } },
          },
        }
      : {}),
  }));

const docArb = fc
  .tuple(fc.subarray(NAMES.map((n, i) => [n, i] as const), { minLength: 1 }), fc.shuffledSubarray([10, 11, 12, 13, 14, 15], { minLength: 6, maxLength: 6 }))
  .chain(([picked, priorities]) => fc.tuple(...picked.map(([n, i]) => serviceArb(n, i, priorities[i]!))))
  .map((services): Doc => {
    const doc = exampleDoc();
    doc.spec.shared.priorityBand = { from: 100, to: 199 };
    doc.spec.services = services;
    return doc;
  });

describe('property: plan after apply is empty', () => {
  beforeAll(async () => {
    await freshEmulator();
  });

  it('holds for random documents applied one after another', async () => {
    await fc.assert(
      fc.asyncProperty(docArb, async (doc) => {
        const applied = await reconcile(doc, '--allow-mass-delete');
        expect(applied.report.error).toBeUndefined();
        expect(applied.report.actions.filter((a) => a.result === "failed").map((a) => `${a.kind} ${a.service}: ${a.error}`)).toEqual([]);
        expect(applied.exitCode).toBe(0);
        const again = await dryRun(doc);
        expect(again.report.actions.map((a) => `${a.op} ${a.kind} ${a.service}: ${a.reason}`)).toEqual([]);
        expect(again.exitCode).toBe(0);
        expect(again.report.stats.awsCalls.mutating).toBe(0);
      }),
      { numRuns: Number(process.env.ROUTEYARD_PROPERTY_RUNS ?? 15) },
    );
  }, 600_000);
});
