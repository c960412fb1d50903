import { createHash } from 'node:crypto';
import type { DriftResponse, ReportAction, ResourceKind, ResourceReport, Status } from '../model/report-contract.ts';
import { secretValues } from '../secrets.ts';
import { loadBalancerFill, NEARLY_FULL, showsLoadBalancers } from './load-balancer-fill.ts';

/**
 * The dashboard: the same report as /drift, for a person at a glance. One self-contained
 * page: inline CSS (allowed by its hash in the CSP), no script, no CDN. Each cell of the
 * services x resource-kinds grid is coloured by status; its diffs, conflicts and reasons open with one click (<details>),
 * which needs no JavaScript. The page refreshes itself (<meta http-equiv="refresh">).
 */
const KINDS: { kind: ResourceKind; label: string }[] = [
  { kind: 'listenerRule', label: 'Listener rule' },
  { kind: 'targetGroup', label: 'Target group' },
  { kind: 'httpApi', label: 'HTTP API' },
  { kind: 'integration', label: 'Integration' },
  { kind: 'route', label: 'Routes' },
  { kind: 'stage', label: 'Stage' },
  { kind: 'certificate', label: 'Certificate' },
  { kind: 'customDomain', label: 'Domain' },
  { kind: 'apiMapping', label: 'Mapping' },
  { kind: 'dnsRecord', label: 'DNS' },
  { kind: 'parameter', label: 'Outputs' },
];

const SEVERITY: Status[] = ['InSync', 'Orphaned', 'Missing', 'Drifted', 'Pending', 'Conflict', 'Error'];

/** In-sync services shown as grid rows; more than this are summarized in one line (issue 18: 1,000 services). */
export const IN_SYNC_ROWS = 50;

const COLOURS: Record<Status, string> = {
  InSync: '#d9f2d9',
  Drifted: '#ffe8a3',
  Missing: '#ffd59e',
  Orphaned: '#e3e3f7',
  Pending: '#cfe6ff',
  Conflict: '#f7c6e0',
  Error: '#f7b5b5',
};

/**
 * The page's one style sheet. It is the same for every page, so the Content-Security-Policy
 * the server sends with the page allows exactly it, by its hash, and nothing else: no
 * script, no other style, no image, no framing, no form target, no base URL.
 */
export const DASHBOARD_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .3em}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:.5em 0 1em}
dl.facts dt{font-weight:600}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #bbb;padding:.35em .5em;vertical-align:top;text-align:left}
th.svc .name{font-weight:600;margin-right:.5em}
.badge{display:inline-block;border-radius:3px;padding:0 .35em;font-size:.85em;border:1px solid #999}
.since,.note{display:block;color:#555;font-size:.8em;font-weight:normal}
td.cell details summary{cursor:pointer;font-weight:600}
td.empty{background:#f6f6f6;color:#999}
table.diffs{margin:.3em 0 0;font-size:.85em}
ul.actions{margin:.3em 0 0;padding-left:1.2em;font-size:.85em}
code{font-size:.9em;word-break:break-all}
.banner{background:#f7b5b5;border:2px solid #b00;padding:.5em 1em;margin-bottom:1em}
.warning{background:#ffe9a8;border:1px solid #b80;padding:.2em .4em;margin-top:.2em;font-size:.85em}
${Object.entries(COLOURS).map(([s, c]) => `.st-${s}{background:${c}}`).join('\n')}
`;

/** The Content-Security-Policy the dashboard is served with (CSP Level 2 hash source for the inline <style>). */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `style-src '${'sha256-' + createHash('sha256').update(DASHBOARD_CSS, 'utf8').digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `ageMarker`: written where the last pass's age in seconds goes, instead of the number, so a
 * page rendered once per pass can be served with the age of the moment (the HTTP server
 * caches the page per pass: at 1,000 services a render is a few MB of garbage).
 */
export function renderDashboard(report: DriftResponse, opts: { refreshSeconds: number; now: number; ageMarker?: string }): string {
  // Values resolved from SecureString parameters never reach the page.
  const r = secretValues.redactDeep(report);
  const lease = r.lease;
  const paused = r.sourceError ? ' (writes paused while the source is broken)' : '';
  const leader = !lease
    ? 'unknown'
    : !lease.enabled
      ? `unguarded (no --lease-table): this copy writes${paused}`
      : lease.held
        ? `this copy (${lease.self}) leads and writes${paused}`
        : `${lease.holder ?? 'nobody (the lease is free)'}; this copy (${lease.self}) observes only${lease.lastError ? `; lease error: ${lease.lastError}` : ''}`;
  const headline = r.sourceError ? `source broken (last pass: ${r.outcome})` : r.outcome;
  const calls = r.stats.awsCalls;
  // Problems first (worst status first, then by name); past IN_SYNC_ROWS in-sync services,
  // those are one summary line instead of grid rows, so a page of 1,000 services stays usable.
  const ordered = [...r.services].sort((a, b) => SEVERITY.indexOf(b.status) - SEVERITY.indexOf(a.status) || a.name.localeCompare(b.name));
  const inSync = ordered.filter((s) => s.status === 'InSync' && !r.actions.some((a) => a.service === s.name));
  const folded = inSync.length > IN_SYNC_ROWS ? new Set(inSync.map((s) => s.name)) : new Set<string>();
  const foldedNote = folded.size
    ? `<details class="in-sync"><summary>${folded.size} services in sync, nothing to do (not listed in the grid)</summary><p>${[...folded].map((n) => `<code>${esc(n)}</code>`).join(' ')}</p></details>`
    : '';
  const severalAlbs = (r.loadBalancers ?? []).length > 1;
  const rows = ordered.filter((s) => !folded.has(s.name)).map((s) => {
    const actions = r.actions.filter((a) => a.service === s.name);
    // An API's children not re-read this pass show in their three columns, as last verified.
    const inColumn = (x: ResourceReport, kind: ResourceKind) => x.kind === kind || (x.kind === 'httpApiChildren' && (kind === 'integration' || kind === 'route' || kind === 'stage'));
    const cells = KINDS.map(({ kind }) => cell(s.name, kind, s.resources.filter((x) => inColumn(x, kind)), actions.filter((a) => a.kind === kind), opts.now)).join('');
    const where = severalAlbs && s.loadBalancer ? `<div class="note">${s.movingFrom ? `moving from ${esc(s.movingFrom)} to ${esc(s.loadBalancer)}` : `on ${esc(s.loadBalancer)}`}</div>` : '';
    const backoff = s.backoff ? `<div class="note">backing off: ${s.backoff.failures} failure(s), next retry ${esc(s.backoff.nextRetryAt)}</div>` : '';
    return `<tr><th scope="row" class="svc"><span class="name">${esc(s.name)}</span><span class="badge st-${s.status}" data-status="${s.status}">${s.status}</span>${since(s.since, opts.now)}${where}${backoff}</th>${cells}</tr>`;
  });
  const banner = r.sourceError
    ? `<section class="banner" role="alert"><h2>The desired-state source is broken: nothing is applied until it is fixed</h2><p><b>${esc(r.sourceError.code)}</b>: ${esc(r.sourceError.message)}</p>${
        r.sourceError.fieldErrors.length
          ? `<ul>${r.sourceError.fieldErrors.map((e) => `<li><code>${esc(e.path)}</code>: ${esc(e.message)}</li>`).join('')}</ul>`
          : ''
      }<p>Drift is still observed against the last valid document (${esc(r.source.version ?? 'unknown version')}).</p></section>`
    : '';
  const passError = r.error && !r.sourceError ? `<section class="banner" role="alert"><h2>Last pass: ${esc(r.error.code)}</h2><p>${esc(r.error.message)}</p></section>` : '';
  const fills = loadBalancerFill(r);
  const albs = showsLoadBalancers(fills)
    ? `<h2>Load balancers</h2>
<table class="passes" aria-label="load balancers against their quotas"><thead><tr><th>Load balancer</th><th>Rules</th><th>Target groups</th><th>Services</th><th>Note</th></tr></thead>
<tbody>${fills
        .map(
          (f) =>
            `<tr><td>${esc(f.label)}</td><td>${f.rules} / ${f.ruleQuota ?? '?'}</td><td>${f.targetGroups} / ${f.targetGroupQuota}</td><td>${f.services}</td><td>${
              f.departed ? 'departed: its services are moving away' : f.fill >= NEARLY_FULL ? `nearly full (${Math.round(f.fill * 100)}%): add a load balancer to spec.shared.loadBalancers` : ''
            }</td></tr>`,
        )
        .join('')}</tbody></table>
`
    : '';
  const passes = (r.recentPasses ?? []).slice(0, 10).map(
    (p) => `<tr><td>${esc(p.at)}</td><td>${esc(p.trigger ?? '')}</td><td>${esc(p.mode)}</td><td>${esc(p.outcome)}</td><td>${p.durationMs} ms</td><td>${p.awsCalls} (${p.mutatingCalls} mutating)</td><td>${p.actionsApplied}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${opts.refreshSeconds}">
<title>routeyard: ${esc(headline)}</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<h1>routeyard: ${esc(headline)}</h1>
${banner}${passError}
<dl class="facts">
<dt>Source</dt><dd><code>${esc(r.source.uri)}</code> version <code>${esc(r.source.version ?? 'unknown')}</code></dd>
<dt>Last pass</dt><dd>${esc(r.generatedAt)} (${opts.ageMarker ?? Math.round(r.ageSeconds)} s ago), ${esc(r.mode)}, ${r.stats.durationMs} ms</dd>
<dt>AWS cost</dt><dd>${calls.total} calls (${calls.mutating} mutating, ${calls.throttled} throttled): ${esc(Object.entries(calls.byService).map(([k, v]) => `${k} ${v}`).join(', ') || 'none')}</dd>
<dt>Leader</dt><dd>${esc(leader)}</dd>
<dt>Summary</dt><dd>${r.summary.services} services: ${r.summary.inSync} in sync, ${r.summary.drifted} drifted, ${r.summary.missing} missing, ${r.summary.orphaned} orphaned, ${r.summary.pending} pending, ${r.summary.conflicts} conflicts, ${r.summary.errors} errors</dd>
</dl>
<table class="grid" aria-label="services by resource kind">
<thead><tr><th scope="col">Service</th>${KINDS.map((k) => `<th scope="col">${k.label}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${foldedNote}
${albs}<h2>Recent passes</h2>
<table class="passes"><thead><tr><th>At</th><th>Trigger</th><th>Mode</th><th>Outcome</th><th>Duration</th><th>AWS calls</th><th>Applied</th></tr></thead>
<tbody>${passes.join('')}</tbody></table>
<p class="note">This page refreshes every ${opts.refreshSeconds} s. JSON: <a href="/drift">/drift</a>; metrics: <a href="/metrics">/metrics</a>; API: <a href="/openapi.json">/openapi.json</a>.</p>
</body>
</html>
`;
}

function cell(service: string, kind: ResourceKind, resources: ResourceReport[], actions: ReportAction[], now: number): string {
  if (resources.length === 0 && actions.length === 0) return '<td class="cell empty">—</td>';
  const worst = resources.reduce((w, r) => (SEVERITY.indexOf(r.status) > SEVERITY.indexOf(w) ? r.status : w), 'InSync' as Status);
  const details = resources
    .map((r) => {
      const diffs = r.diffs.length
        ? `<table class="diffs"><thead><tr><th>path</th><th>desired</th><th>live</th></tr></thead><tbody>${r.diffs
            .map((d) => `<tr><td><code>${esc(d.path)}</code></td><td><code>${esc(show(d.desired))}</code></td><td><code>${esc(show(d.live))}</code></td></tr>`)
            .join('')}</tbody></table>`
        : '';
      return `<div class="resource"><code>${esc(r.id)}</code> <span class="badge st-${r.status}">${r.status}</span>${since(r.since ?? null, now)}${r.message ? `<div class="message">${esc(r.message)}</div>` : ''}${r.warning ? `<div class="warning" role="alert">Warning: ${esc(r.warning)}</div>` : ''}${diffs}</div>`;
    })
    .join('');
  const planned = actions.length
    ? `<ul class="actions">${actions
        .map((a) => `<li><b>${esc(a.op)}</b> <code>${esc(a.id)}</code>: ${esc(a.reason)}${a.result && a.result !== 'planned' ? ` <i>[${esc(a.result)}${a.error ? `: ${esc(a.error)}` : ''}]</i>` : ' <i>[planned]</i>'}</li>`)
        .join('')}</ul>`
    : '';
  return `<td class="cell st-${worst}" data-service="${esc(service)}" data-kind="${kind}" data-status="${worst}"><details><summary>${worst}${resources.length > 1 ? ` (${resources.length})` : ''}</summary>${details}${planned}</details></td>`;
}

function since(at: string | null | undefined, now: number): string {
  if (!at) return '';
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  const human = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`;
  return `<span class="since" title="${esc(at)}">for ${human}</span>`;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
