import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteRuleCommand, DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLeaseStore } from '../../src/aws/dynamodb/lease-store.ts';
import { silentLogger } from '../../src/log.ts';
import { LeaseManager } from '../../src/reconcile/lease.ts';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { resourceWrites, startDaemon, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { albOnlyDoc, freshEmulator, reconcile, routeyard, writeDoc } from '../support/harness.ts';

/**
 * The leader lease in DynamoDB (moto honours conditional writes as DynamoDB does): two
 * copies never write at once; a killed leader is replaced within the lease duration plus
 * one renewal; a stopped one hands over at once; a one-shot run while a daemon leads exits 5.
 */
const TABLE = 'routeyard-lease';
const elbv2 = () => new ElasticLoadBalancingV2Client({});
const ddb = () => new DynamoDBClient({});

let platform: SharedPlatform;
let source: string;
const running: RunningDaemon[] = [];

async function createLeaseTable(): Promise<void> {
  await ddb().send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function ruleArnOf(service: string): Promise<string | undefined> {
  const rules = ((await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
  const tags = rules.length ? ((await elbv2().send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? []) : [];
  return tags.find((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === service))?.ResourceArn;
}

async function daemon(): Promise<RunningDaemon> {
  const d = await startDaemon(['--source', source, '--interval', '3s', '--lease-table', TABLE]);
  running.push(d);
  return d;
}

async function leaderOf(ds: RunningDaemon[]): Promise<{ leader: RunningDaemon; others: RunningDaemon[] }> {
  return waitFor('one leader', 30, async () => {
    const states = await Promise.all(ds.map(async (d) => (await d.drift())?.lease?.held ?? false));
    const leaders = ds.filter((_, i) => states[i]);
    return leaders.length === 1 ? { leader: leaders[0]!, others: ds.filter((d) => d !== leaders[0]) } : undefined;
  });
}

describe('leader lease against DynamoDB in moto', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
    await createLeaseTable();
    source = `file:${writeDoc(albOnlyDoc())}`;
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop('SIGKILL')));
  });

  it('conditional writes: a second holder cannot take a live lease; the fencing token rises on every takeover; a released lease is free at once', async () => {
    const store = new DynamoDbLeaseStore(ddb(), TABLE);
    const opts = { table: TABLE, id: 'routeyard', durationMs: 3000, renewEveryMs: 1000 };
    const a = new LeaseManager(store, { ...opts, holder: 'a' }, silentLogger());
    const b = new LeaseManager(store, { ...opts, holder: 'b' }, silentLogger());
    expect(await a.acquireWithin(0)).toBe(true);
    expect(await b.acquireWithin(500)).toBe(false);
    expect(b.state()).toMatchObject({ held: false, holder: 'a', fencingToken: 1 });
    await a.fence(); // still leads: the conditional write succeeds
    await a.release();
    expect(await b.acquireWithin(0)).toBe(true);
    expect(b.state()).toMatchObject({ held: true, holder: 'b', fencingToken: 2 });
    // The old holder's token no longer passes the fencing check at DynamoDB.
    expect(await store.fence({ id: 'routeyard', holder: 'a', token: 1, now: Date.now() })).toBe(false);
    const item = await ddb().send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'routeyard' } } }));
    expect(Number(item.Item!.ttl!.N)).toBeGreaterThan(Date.now() / 1000);
    await b.release();
  });

  it('a holder that has lost the lease stops writing: fence() throws before any call', async () => {
    const store = new DynamoDbLeaseStore(ddb(), TABLE);
    const a = new LeaseManager(store, { table: TABLE, id: 'routeyard', holder: 'a', durationMs: 3000, renewEveryMs: 1000 }, silentLogger());
    expect(await a.acquireWithin(0)).toBe(true);
    // Another copy takes over behind its back (its lease expired while it was paused, say).
    await ddb().send(
      new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'routeyard' }, holder: { S: 'intruder' }, expiresAt: { N: String(Date.now() + 60_000) }, fencingToken: { N: '7' } } }),
    );
    await expect(a.fence()).rejects.toMatchObject({ code: 'LeaseLost' });
    expect(a.isLeader()).toBe(false);
  });

  it('two daemons started together: exactly one writes; SIGKILL the leader and the other takes over within the lease duration plus one renewal', async () => {
    const [d1, d2] = await Promise.all([daemon(), daemon()]);
    const { leader, others } = await leaderOf([d1!, d2!]);
    const follower = others[0]!;
    await waitFor('convergence', 30, async () => ((await leader.drift())?.outcome === 'InSync' ? true : undefined));
    // The follower learns who leads at its next lease attempt (every renewal period); its
    // /drift answers once its own first (dry-run) pass is done, which on a loaded 2-core CI
    // machine took longer than 15 s once: the bound is generous, the claim is who leads.
    const leaderId = (await leader.drift())!.lease!.self;
    await waitFor('the follower to name the leader', 45, async () => ((await follower.drift())?.lease?.holder === leaderId ? true : undefined));
    expect((await follower.drift())!.lease).toMatchObject({ enabled: true, held: false, holder: leaderId });

    await elbv2().send(new DeleteRuleCommand({ RuleArn: (await ruleArnOf('loopback-app'))! }));
    await waitFor('the repair', 20, async () => ((await ruleArnOf('loopback-app')) ? true : undefined));
    expect(resourceWrites(await leader.metrics())).toBeGreaterThan(0);
    expect(resourceWrites(await follower.metrics())).toBe(0);
    expect((await follower.drift())!.recentPasses!.every((p) => p.mutatingCalls === 0)).toBe(true);

    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    await waitFor('the takeover', 25, async () => ((await follower.drift())?.lease?.held ? true : undefined), 250);
    expect((Date.now() - killedAt) / 1000).toBeLessThan(15 + 5 + 1);
    // The new leader writes: a rule deleted now is repaired by it.
    await elbv2().send(new DeleteRuleCommand({ RuleArn: (await ruleArnOf('zeropoint-app'))! }));
    await waitFor('the repair by the new leader', 20, async () => ((await ruleArnOf('zeropoint-app')) ? true : undefined));
    expect(resourceWrites(await follower.metrics())).toBeGreaterThan(0);
  }, 150_000);

  it('--reconcile-once while a daemon leads exits 5 and writes nothing; SIGTERM to the leader releases the lease and the other copy takes over at once', async () => {
    const [d1, d2] = await Promise.all([daemon(), daemon()]);
    const { leader, others } = await leaderOf([d1!, d2!]);
    await waitFor('convergence', 30, async () => ((await leader.drift())?.outcome === 'InSync' ? true : undefined));

    const doc = albOnlyDoc();
    doc.spec.services[0].priority = 7; // a change the one-shot run would make if it could write
    const once = await routeyard(['--reconcile-once', '--lease-table', TABLE, '--lease-wait', '2s'], doc);
    expect(once.exitCode).toBe(5);
    expect(once.report.outcome).toBe('NotLeader');
    expect(once.report.error?.code).toBe('LeaseUnavailable');
    expect(once.report.error?.message).toContain((await leader.drift())!.lease!.self);
    const writes = Object.entries(once.report.stats.awsCalls.byOperation).filter(([k]) => !k.startsWith('DynamoDB.') && !/\.(Describe|Get|List|Head)/.test(k));
    expect(writes).toEqual([]);
    // A dry run needs no lease.
    expect((await routeyard(['--dry-run', '--lease-table', TABLE], doc)).exitCode).toBe(2);

    const sent = Date.now();
    const { code, at } = await leader.stop('SIGTERM');
    expect(code).toBe(0);
    expect((at - sent) / 1000).toBeLessThan(30);
    await waitFor('the takeover after release', 5, async () => ((await others[0]!.drift())?.lease?.held ? true : undefined), 100);
    expect((Date.now() - at) / 1000).toBeLessThan(5);
  });

  it('a lease table that does not exist: --reconcile-once exits 5 at once and says so', async () => {
    const started = Date.now();
    const once = await routeyard(['--reconcile-once', '--lease-table', 'no-such-table', '--lease-wait', '30s'], albOnlyDoc());
    expect(once.exitCode).toBe(5);
    expect(once.report.error?.message).toContain('the lease table no-such-table does not exist');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('without --lease-table the one-shot run is unguarded and still converges', async () => {
    expect((await reconcile(albOnlyDoc())).exitCode).toBe(0);
  });
});
