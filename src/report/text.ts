import type { Report, ReportAction } from '../plan/report.ts';
import { secretValues } from '../secrets.ts';
import { loadBalancerFill, NEARLY_FULL, showsLoadBalancers } from './load-balancer-fill.ts';

const OP_MARK: Record<ReportAction['op'], string> = { create: '+', update: '~', replace: '±', delete: '-' };

/**
 * For a person at a terminal: one line per service with its status, then the actions.
 * Values resolved from SecureString parameters are scrubbed.
 */
export function renderText(report: Report): string {
  const r = secretValues.redactDeep(report);
  const lines: string[] = [];
  lines.push(`routeyard ${r.mode}  source ${r.source.uri}${r.source.version ? ` (${r.source.version})` : ''}  pass ${r.passId}`);
  if (r.error) {
    lines.push('', `${r.error.code}: ${r.error.fieldErrors.length > 0 ? `${r.error.fieldErrors.length} problem(s) in the desired state` : r.error.message}`);
    for (const e of r.error.fieldErrors) lines.push(`  ${e.path}: ${e.message}`);
  }
  const fills = loadBalancerFill(r);
  const severalAlbs = fills.length > 1;
  if (r.services.length > 0) {
    lines.push('');
    const width = Math.max(7, ...r.services.map((s) => s.name.length));
    lines.push(`${'SERVICE'.padEnd(width)}  ${'STATUS'.padEnd(9)}  DETAIL`);
    for (const s of r.services) {
      const notable = s.resources.filter((x) => x.status !== 'InSync');
      // A published output is named by its key: a service has up to seven of them.
      const label = (x: (typeof notable)[number]) => (x.kind === 'parameter' ? `parameter ${x.id.split('/').filter(Boolean).pop() ?? x.id}` : x.kind);
      // With several ALBs, where the service lives (or which way it is moving) leads the detail.
      const where = severalAlbs && s.loadBalancer ? [s.movingFrom ? `moving from ${s.movingFrom} to ${s.loadBalancer}` : `on ${s.loadBalancer}`] : [];
      const detail = [...where, ...notable.map((x) => `${label(x)} ${x.status}${x.message ? `: ${x.message}` : ''}`)].join('; ');
      lines.push(`${s.name.padEnd(width)}  ${s.status.padEnd(9)}  ${detail}`);
      for (const x of s.resources) if (x.warning) lines.push(`${''.padEnd(width)}  ${'WARNING'.padEnd(9)}  ${x.kind} ${x.id}: ${x.warning}`);
    }
  }
  if (showsLoadBalancers(fills)) {
    // Each ALB against its quotas: add one to spec.shared.loadBalancers before they fill.
    const width = Math.max(13, ...fills.map((f) => f.label.length));
    lines.push('', `${'LOAD BALANCER'.padEnd(width)}  ${'RULES'.padEnd(9)}  ${'GROUPS'.padEnd(7)}  SERVICES`);
    for (const f of fills) {
      const note = f.departed ? '  departed: its services are moving away' : f.fill >= NEARLY_FULL ? `  nearly full (${Math.round(f.fill * 100)}%): add a load balancer to spec.shared.loadBalancers` : '';
      lines.push(`${f.label.padEnd(width)}  ${`${f.rules}/${f.ruleQuota ?? '?'}`.padEnd(9)}  ${`${f.targetGroups}/${f.targetGroupQuota}`.padEnd(7)}  ${f.services}${note}`);
    }
    if (r.summary.applied > 0) lines.push('(rules and groups as read at the start of this pass, before its actions)');
  }
  if (r.actions.length > 0) {
    lines.push('', r.mode === 'dry-run' ? 'Planned actions (not applied: --dry-run):' : 'Actions:');
    for (const a of r.actions) {
      const result = a.result && a.result !== 'planned' ? ` [${a.result}${a.error ? `: ${a.error}` : ''}]` : '';
      lines.push(`  ${OP_MARK[a.op]} ${a.op} ${a.kind} ${a.service} ${a.id}: ${a.reason}${result}`);
      for (const d of a.diffs) lines.push(`      ${d.path}: desired ${show(d.desired)}, live ${show(d.live)}`);
    }
  }
  const s = r.summary;
  const calls = r.stats.awsCalls;
  if (r.mode === 'validate' && !r.error) {
    lines.push('', `The desired state is valid: ${s.services} services. Only the source was read (${calls.total} AWS calls).`, `Outcome: ${r.outcome}`);
    return lines.join('\n') + '\n';
  }
  const planned = !(r.error && r.services.length === 0 && r.actions.length === 0);
  lines.push('');
  if (planned) {
    lines.push(
      `Summary: ${s.services} services: ${s.inSync} in sync, ${s.drifted} drifted, ${s.missing} missing, ${s.orphaned} orphaned, ${s.pending} pending, ${s.conflicts} conflicts, ${s.errors} errors; ${s.actions} actions (${s.applied} applied, ${s.failed} failed, ${s.skipped} skipped)`,
    );
  }
  const byService = Object.entries(calls.byService).map(([k, v]) => `${k} ${v}`);
  lines.push(
    `AWS calls: ${calls.total} (${calls.mutating} mutating, ${calls.throttled} throttled, ${calls.retries} retries)${byService.length ? `: ${byService.join(', ')}` : ''}; ${r.stats.durationMs} ms`,
    `Outcome: ${r.outcome}`,
  );
  if (r.error?.code === 'WaitTimedOut') lines.push(`Still pending: ${r.error.message}`);
  else if (r.error && r.error.fieldErrors.length === 0 && r.error.code !== 'SafetyGuard') lines.push(`Error: ${r.error.message}`);
  if (r.error?.code === 'SafetyGuard') lines.push(r.error.message);
  return lines.join('\n') + '\n';
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
