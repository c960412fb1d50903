import { ApiGatewayV2Client, GetApisCommand, GetIntegrationsCommand, UpdateIntegrationCommand } from '@aws-sdk/client-apigatewayv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.ts';
import { startDaemon, sumCounter, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { exampleDoc, freshEmulator, motoEndpoint, routeyard, writeDoc, type Doc } from '../support/harness.ts';

const apigw = () => new ApiGatewayV2Client({});

/**
 * Rolling deep verification against moto: 40 services with APIs, `--interval 5s
 * --verify-within 60s` and the default budget (0.2 of API Gateway's 10 requests per second:
 * 2 per second, 120 per minute). The listings of each pass (GetApis, GetDomainNames: 2 calls
 * every 5 s, 24 a minute) come out of it first; the deep reads get the other 96 a minute,
 * less than the 120 that 40 APIs x 3 reads per minute need.
 */
const SERVICES = 40;
const WINDOW_S = 60;
const BUDGET_PER_MINUTE = 0.2 * 10 * 60;
/** What the listings leave: 2 calls every 5 s. */
const DEEP_PER_MINUTE = BUDGET_PER_MINUTE - 2 * 12;

function fortyServices(): Doc {
  const doc = exampleDoc();
  const template = doc.spec.services[0];
  delete template.api.stage.accessLog; // one log group per service is not what this test is about
  doc.spec.services = Array.from({ length: SERVICES }, (_, i) => {
    const name = `svc-${String(i).padStart(2, '0')}`;
    return { ...structuredClone(template), name, headerValue: name, priority: i + 1 };
  });
  return doc;
}

const deepRead = (path: string) => /\/v2\/apis\/[^/]+\/(integrations|routes|stages)/.test(path);

let daemon: RunningDaemon;
let proxy: CountingProxy;
let startedAt: number;

describe('rolling deep verification (40 services, --interval 5s --verify-within 60s)', () => {
  beforeAll(async () => {
    await freshEmulator();
    const doc = fortyServices();
    const cold = await routeyard(['--reconcile-once', '--output', 'json'], doc);
    expect(cold.exitCode, cold.stderr).toBe(0);
    proxy = await startCountingProxy(motoEndpoint());
    daemon = await startDaemon(['--source', `file:${writeDoc(doc)}`, '--interval', '5s', '--verify-within', `${WINDOW_S}s`], {
      AWS_ENDPOINT_URL_APIGATEWAYV2: proxy.url,
    });
    startedAt = Date.now();
    await waitFor('the first pass', 60, async () => ((await daemon.drift())?.outcome === 'InSync' ? true : undefined));
  }, 240_000);

  afterAll(async () => {
    await daemon?.stop();
    await proxy?.close();
  });

  it('spends no more than the verify budget on API Gateway over 60 s of steady state, the listings included, and says how close to the window it comes', async () => {
    // Steady state: after the first pass (which reads everything at once).
    await new Promise((r) => setTimeout(r, Math.max(0, startedAt + 15_000 - Date.now())));
    const t0 = Date.now();
    const metrics0 = await daemon.metrics();
    await new Promise((r) => setTimeout(r, 60_000));
    const metrics1 = await daemon.metrics();
    const t1 = Date.now();
    const apigwCalls = (m: string) => sumCounter(m, 'routeyard_aws_api_calls_total', (l) => l.service === 'APIGateway');
    const deepCalls = (m: string) => sumCounter(m, 'routeyard_aws_api_calls_total', (l) => l.service === 'APIGateway' && /^Get(Integrations|Routes|Stages)$/.test(l.operation ?? ''));
    const byCounter = apigwCalls(metrics1) - apigwCalls(metrics0);
    const deepByCounter = deepCalls(metrics1) - deepCalls(metrics0);
    const seen = proxy.requests.filter((r) => r.at >= t0 && r.at <= t1);
    const deepSeen = seen.filter((r) => deepRead(r.path)).length;
    const passes = (await daemon.drift())!.recentPasses!.filter((p) => Date.parse(p.at) >= t0 && Date.parse(p.at) <= t1).length;
    console.log(
      `60 s of steady state: API Gateway calls ${byCounter} by the counter, ${seen.length} at the proxy; deep reads ${deepByCounter} / ${deepSeen}; ` +
        `${passes} passes (one GetApis and one GetDomainNames each); budget ${BUDGET_PER_MINUTE}, the listings included`,
    );
    // Every API Gateway call of steady state, the listings included, within the budget (plus
    // a call of rounding at each end of the minute).
    expect(byCounter).toBeLessThanOrEqual(BUDGET_PER_MINUTE + 3);
    expect(seen.length).toBeLessThanOrEqual(BUDGET_PER_MINUTE + 3);
    // Everything else than the deep reads is each pass's cheap listing.
    expect(byCounter - deepByCounter).toBeLessThanOrEqual(2 * (passes + 1));
    // The test-side count agrees with the controller's.
    expect(Math.abs(seen.length - byCounter)).toBeLessThanOrEqual(4);
    // And it really verifies, with what the listings leave of the budget.
    expect(deepSeen).toBeGreaterThanOrEqual(DEEP_PER_MINUTE * 0.8);

    const v = (await daemon.drift())!.verification!;
    // 40 APIs x 3 reads at 1.6/s is a 75 s cycle, plus a 5 s pass interval: 80 s, which it says.
    // budgetRps is what background verification may spend: 2 per second less the listings' 0.4.
    expect(v).toMatchObject({ windowSeconds: 60, budgetRps: 1.6, resources: 40, callsPerResource: 3, achievableWindowSeconds: 80, sufficient: false });
    expect(await daemon.metrics()).toMatch(/^routeyard_verify_budget_sufficient 0$/m);
    expect(await daemon.metrics()).toMatch(/^routeyard_verify_achievable_window_seconds 80$/m);
    expect(daemon.logs()).toContain('it can keep 80 s');
    // One series per kind, never per resource (issue 18: 8,000 series at 1,000 services).
    const oldest = /^routeyard_resource_oldest_verified_timestamp_seconds\{kind="httpApi"\} (\d+(?:\.\d+)?)$/m.exec(await daemon.metrics());
    expect(Number(oldest?.[1])).toBeGreaterThan(0);
    expect(await daemon.metrics()).not.toMatch(/resource="/);
  }, 120_000);

  it('an integration switched from overwrite: to append: out of band, with no event, is found and repaired within the window', async () => {
    const apis = (await apigw().send(new GetApisCommand({}))).Items ?? [];
    const api = apis.find((a) => a.Tags?.['routeyard:service'] === 'svc-23')!;
    const integration = (await apigw().send(new GetIntegrationsCommand({ ApiId: api.ApiId! }))).Items![0]!;
    const changedAt = Date.now();
    await apigw().send(
      new UpdateIntegrationCommand({
        ApiId: api.ApiId!,
        IntegrationId: integration.IntegrationId!,
        RequestParameters: { 'overwrite:header.X-Target-Service': '', 'append:header.X-Target-Service': 'svc-23' },
      }),
    );
    // Within what the budget keeps (80 s, see above), plus the pass that repairs it.
    const repairedAfter = await waitFor('the repair', 80 + 20, async () => {
      const live = (await apigw().send(new GetIntegrationsCommand({ ApiId: api.ApiId! }))).Items![0]!;
      const params = live.RequestParameters ?? {};
      return params['overwrite:header.X-Target-Service'] === 'svc-23' && !params['append:header.X-Target-Service'] ? Date.now() - changedAt : undefined;
    }, 500);
    console.log(`drift found and repaired ${(repairedAfter / 1000).toFixed(1)} s after the out-of-band change (window ${WINDOW_S} s; the budget keeps 80 s)`);
    expect(repairedAfter).toBeLessThanOrEqual((80 + 10) * 1000);
  }, 120_000);
});
