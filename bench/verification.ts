/**
 * `make bench-verification` (also run by `make bench`): the API Gateway cost of the
 * controller's steady state and the worst-case time to notice an out-of-band change without
 * events, for 100 and 500 services (and 40, the size the integration test runs against
 * moto). It drives the controller's own scheduling code (RollingVerifier and the per-service
 * ApiScheduler) on a simulated clock: one pass = the cheap listings (GetApis, GetDomainNames)
 * at check priority, then the deep reads the verifier chose (3 calls per API), each waiting
 * for its token; passes start every --interval, start to start. The listings come out of the
 * budget first (ApiBudget, as the controller does): the deep reads get what they leave, and
 * passes are spaced out when the listings alone would take more than half. Moto plays no part: it has no
 * account-wide limit to pace against, and 500 services would take it minutes to create. The
 * 40-service integration test (test/integration/verification.test.ts) measures the same
 * policy against moto: 24 listing calls and 96 deep reads per minute, 120 in all, as this model says.
 */
import { ApiScheduler, type CallPriority } from '../src/aws/api-scheduler.ts';
import { ApiBudget, RollingVerifier } from '../src/reconcile/rolling-verification.ts';

interface Scenario {
  services: number;
  intervalS: number;
  windowS: number;
  budget: number;
  paceRps: number;
}

function simulate(s: Scenario) {
  let t = 0;
  const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
  const scheduler = new ApiScheduler({ ratePerSecond: s.paceRps, burst: s.paceRps, backgroundShare: s.budget, now: clock.now, sleep: clock.sleep });
  const verifier = new RollingVerifier({ windowMs: s.windowS * 1000, budgetRps: s.paceRps * s.budget, callsPerResource: 3, intervalMs: s.intervalS * 1000 });
  const budget = new ApiBudget({ budgetRps: s.paceRps * s.budget, intervalMs: s.intervalS * 1000 });
  const apis = Array.from({ length: s.services }, (_, i) => ({ id: `api${i}`, service: `svc-${i}` }));
  const lastRead = new Map<string, number>();
  let worstGapMs = 0;
  const calls: number[] = [];
  // Long enough for several full cycles; steady state is the second half (the first pass
  // reads everything at once, and the first cycle after it is a transient).
  const horizonMs = Math.max(6 * s.windowS, 4 * 3600) * 1000;
  const steadyFrom = horizonMs / 2;
  return (async () => {
    let passes = 0;
    let longestPassMs = 0;
    while (t < horizonMs) {
      const start = t;
      const take = async (p: CallPriority) => {
        await scheduler.acquire(p);
        calls.push(t);
      };
      await take('check'); // GetApis
      await take('check'); // GetDomainNames
      if (passes > 0) budget.listed(2);
      budget.distribute([verifier]);
      const chosen = verifier.selector(t, passes === 0 ? { all: true } : {})(apis);
      for (const [id, p] of chosen) {
        for (let i = 0; i < 3; i++) await take(p);
        const before = lastRead.get(id);
        if (before !== undefined && start >= steadyFrom) worstGapMs = Math.max(worstGapMs, t - before);
        lastRead.set(id, t);
      }
      passes++;
      longestPassMs = Math.max(longestPassMs, start >= steadyFrom ? t - start : 0);
      t = Math.max(t, start + budget.intervalMs());
    }
    const steady = calls.filter((c) => c >= steadyFrom);
    const perMinute = (steady.length / (horizonMs - steadyFrom)) * 60_000;
    const status = verifier.status();
    return { perMinute, worstGapMs, longestPassMs, status };
  })();
}

console.log('API Gateway cost of steady state and worst-case detection without events (simulated clock, the controller\'s scheduler and verifier)');
console.log('services  --interval  --verify-within  budget  calls/min (share of 600)  worst-case detection  budget covers window?');
for (const [services, intervalS] of [
  [40, 5],
  [100, 60],
  [100, 5],
  [500, 60],
  [500, 5],
] as const) {
  for (const windowS of services === 40 ? [60] : [600]) {
    const r = await simulate({ services, intervalS, windowS, budget: 0.2, paceRps: 10 });
    // A change made just after its API was read waits the longest gap, then the pass that reads it applies the repair.
    const detectS = (r.worstGapMs + r.longestPassMs) / 1000;
    console.log(
      `${String(services).padStart(8)}  ${`${intervalS}s`.padStart(10)}  ${`${windowS}s`.padStart(15)}  ${'0.2'.padStart(6)}  ${r.perMinute.toFixed(0).padStart(9)} (${((r.perMinute / 600) * 100).toFixed(0)}%)`.padEnd(70) +
        `${detectS.toFixed(0).padStart(8)} s`.padEnd(24) +
        `${r.status.sufficient ? 'yes' : `no: it keeps ${r.status.achievableWindowSeconds} s`}`,
    );
  }
}
