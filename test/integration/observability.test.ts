import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRulesCommand, DescribeTagsCommand, ElasticLoadBalancingV2Client, ModifyRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, waitFor, type RunningDaemon } from '../support/daemon.ts';
import { exampleDoc, freshEmulator, reconcile, repoRoot, writeDoc } from '../support/harness.ts';

/**
 * What people and tools read from the controller: the dashboard in a real browser
 * (Debian's chromium driven by playwright-core), /metrics through promtool, and every
 * endpoint against the committed OpenAPI document with schemathesis.
 *
 * The daemon here does not lead (another holder has the lease), so the drift made out of
 * band stays visible instead of being repaired at once.
 */
const TABLE = 'routeyard-lease';
const OUTPUT = join(repoRoot, 'test', 'output');
let d: RunningDaemon;
let browser: Browser | undefined;

describe('dashboard, metrics and OpenAPI against a running controller', () => {
  beforeAll(async () => {
    const platform = await freshEmulator();
    const doc = exampleDoc();
    const source = `file:${writeDoc(doc)}`;
    expect((await reconcile(doc)).exitCode).toBe(0);
    // Drift: loopback-app's rule now matches another value.
    const elbv2 = new ElasticLoadBalancingV2Client({});
    const rules = ((await elbv2.send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? []).filter((r) => !r.IsDefault);
    const tags = (await elbv2.send(new DescribeTagsCommand({ ResourceArns: rules.map((r) => r.RuleArn!) }))).TagDescriptions ?? [];
    const arn = tags.find((t) => t.Tags?.some((x) => x.Key === 'routeyard:service' && x.Value === 'loopback-app'))!.ResourceArn!;
    await elbv2.send(new ModifyRuleCommand({ RuleArn: arn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Target-Service', Values: ['hijacked'] } }] }));
    // Someone else leads.
    const ddb = new DynamoDBClient({});
    await ddb.send(new CreateTableCommand({ TableName: TABLE, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: 'routeyard' }, holder: { S: 'ecs-task-old/1' }, expiresAt: { N: String(Date.now() + 3_600_000) }, fencingToken: { N: '3' } } }));
    d = await startDaemon(['--source', source, '--interval', '1m', '--lease-table', TABLE]);
    await waitFor('the first pass', 30, async () => ((await d.drift()) ? true : undefined));
  });

  afterAll(async () => {
    await browser?.close();
    await d?.stop('SIGKILL');
  });

  it('the dashboard (in chromium) lists every example service with its status; a drifted cell opens to its diff; a screenshot is saved', async () => {
    browser = await chromium.launch({
      executablePath: process.env.ROUTEYARD_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ javaScriptEnabled: false, viewport: { width: 1400, height: 900 } });
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    const res = await page.goto(d.url);
    expect(res?.status()).toBe(200);
    // The page works under its own Content-Security-Policy: the style sheet, allowed by its
    // hash, is applied (a blocked one would leave every cell without its colour).
    const headers = await res!.allHeaders();
    expect(headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; /);
    expect(headers['x-content-type-options']).toBe('nosniff');
    const rows = await page.locator('table.grid tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ name: tr.querySelector('.name')?.textContent, status: tr.querySelector('th .badge')?.getAttribute('data-status') })),
    );
    expect(rows).toEqual(
      expect.arrayContaining(
        ['fastapi-app', 'loopback-app', 'zeropoint-app', 'fastapi-prerelease', 'gantt-autoscheduler-qa'].map((name) => ({ name, status: name === 'loopback-app' ? 'Drifted' : 'InSync' })),
      ),
    );
    expect(await page.locator('body').textContent()).toContain('ecs-task-old/1'); // who leads

    const cell = page.locator('td.cell[data-service="loopback-app"][data-kind="listenerRule"]');
    expect(await cell.getAttribute('data-status')).toBe('Drifted');
    expect(await cell.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor)).toBe('rgb(255, 232, 163)'); // .st-Drifted
    expect(await page.locator('body').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).marginTop)).toBe('21px'); // 1.5em of 14px
    expect(await cell.locator('table.diffs').isVisible()).toBe(false);
    await cell.locator('summary').click();
    await expect.poll(() => cell.locator('table.diffs').isVisible()).toBe(true);
    const diff = await cell.locator('table.diffs').innerText();
    expect(diff).toContain('listenerRule.condition.httpHeader.values');
    expect(diff).toContain('hijacked');
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    expect(refused).toEqual([]);
  });

  it('promtool check metrics passes on /metrics, which has the controller\'s metric families', async () => {
    const text = await d.metrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
    for (const name of [
      'routeyard_reconcile_passes_total',
      'routeyard_reconcile_duration_seconds_bucket',
      'routeyard_last_success_timestamp_seconds',
      'routeyard_services',
      'routeyard_resources',
      'routeyard_conflicts',
      'routeyard_aws_api_calls_total',
      'routeyard_aws_api_throttles_total',
      'routeyard_aws_api_retries_total',
      'routeyard_source_errors_total',
      'routeyard_source_error',
      'routeyard_leader',
      'routeyard_lease_transitions_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text, name).toMatch(new RegExp(`^(# TYPE )?${name}`, 'm'));
    }
    expect(text).toMatch(/^routeyard_services\{status="Drifted"\} 1$/m);
    expect(text).toMatch(/^routeyard_leader 0$/m);
    expect(text).toMatch(/^routeyard_aws_api_calls_total\{service="APIGateway",operation="GetApis",outcome="success"\} \d+$/m);
  });

  it('schemathesis finds no failure against the running controller with the committed OpenAPI document', () => {
    const run = spawnSync(
      join(repoRoot, '.venv', 'bin', 'schemathesis'),
      ['run', join(repoRoot, 'schema', 'openapi.json'), '--url', d.url.replace(/\/$/, ''), '--checks', 'all', '--max-examples', '20', '--workers', '1'],
      { encoding: 'utf8', timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(run.error).toBeUndefined();
    expect({ status: run.status, tail: run.status === 0 ? '' : run.stdout.slice(-4000) + run.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
  }, 300_000);
});
