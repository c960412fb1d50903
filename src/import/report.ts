/**
 * The stderr report of `routeyard --import`: what was described, what was left out and why,
 * which CloudFormation stacks still hold described resources, and the AWS calls made. Plain
 * text for a person; every value from the account is already bounded by to-document.ts, and
 * each list is cut at a fixed length so a huge account gives a readable report.
 */
import { excerpt } from '../desired/excerpt.ts';
import type { CallStats } from '../model/report-contract.ts';
import type { ImportResult, LeftOut } from './to-document.ts';

/** The most lines one section lists; the rest are counted. */
export const REPORT_LINES = 200;
/** Resources that have nothing to do with the pattern: this many named, the rest counted. */
const UNRELATED_LISTED = 50;

const KIND_LABEL: Record<LeftOut['kind'], string> = {
  listenerRule: 'listener rule',
  httpApi: 'HTTP API',
  customDomain: 'custom domain',
  dnsRecord: 'DNS record',
  stage: 'stage',
};

export interface ImportReportContext {
  listenerArn: string;
  loadBalancerName: string;
  headerName: string;
  privateZone?: string;
  awsCalls: CallStats;
  durationMs: number;
}

function section<T>(lines: string[], title: string, items: readonly T[], line: (x: T) => string): void {
  if (items.length === 0) return;
  lines.push(`${title} (${items.length}):`);
  for (const x of items.slice(0, REPORT_LINES)) lines.push(`  ${line(x)}`);
  if (items.length > REPORT_LINES) lines.push(`  ... and ${items.length - REPORT_LINES} more`);
}

export function renderImportReport(result: ImportResult, ctx: ImportReportContext): string {
  const lines: string[] = [];
  const doc = result.document;
  lines.push(`routeyard import: listener ${excerpt(ctx.listenerArn, 200)} of ${excerpt(ctx.loadBalancerName, 64)}, header ${ctx.headerName}${ctx.privateZone ? `, private zone ${excerpt(ctx.privateZone, 253)}` : ''}`);
  lines.push(`RouteSet ${doc.metadata.name}: ${result.services.length} service(s) described, spec.adopt true${doc.spec.services.some((s) => s.manage === 'observe') ? ', every service manage: observe' : ''}`);
  section(lines, 'described', result.services, (s) =>
    [
      `${s.name}: priority ${s.priority}, ${ctx.headerName}: ${s.headerValue}`,
      `rule ${excerpt(s.ruleArn, 200)}`,
      `target group ${excerpt(s.targetGroupArn, 200)}`,
      s.apiId ? `API ${s.apiId}` : 'no API',
      ...(s.domain ? [`domain ${s.domain}`] : []),
      ...(s.privateName ? [`private name ${s.privateName}`] : []),
    ].join('; '),
  );
  section(lines, 'left out', result.leftOut.filter((x) => !x.unrelated), (x) => `${KIND_LABEL[x.kind]} ${x.id}${x.service ? ` (service ${x.service})` : ''}: ${x.reason}`);
  const unrelated = result.leftOut.filter((x) => x.unrelated);
  if (unrelated.length > 0) {
    lines.push(`not part of the pattern (${unrelated.length}):`);
    for (const kind of [...new Set(unrelated.map((x) => x.kind))]) {
      const of = unrelated.filter((x) => x.kind === kind);
      const why = kind === 'httpApi' ? 'no integration to the listener' : `no condition on ${ctx.headerName}`;
      lines.push(`  ${of.length} ${KIND_LABEL[kind]}(s) with ${why}: ${of.slice(0, UNRELATED_LISTED).map((x) => x.id).join(', ')}${of.length > UNRELATED_LISTED ? `, ... and ${of.length - UNRELATED_LISTED} more` : ''}`);
    }
  }
  section(lines, 'notes', result.notes, (n) => `${n.service ? `${n.service}: ` : ''}${n.message}`);
  if (result.stacks.length > 0) {
    lines.push(`CloudFormation stacks still holding described resources (${result.stacks.length}):`);
    for (const s of result.stacks.slice(0, REPORT_LINES)) {
      const services = [...new Set(s.resources.map((r) => r.service))];
      lines.push(`  ${excerpt(s.stack, 128)}: ${s.resources.length} resource(s) of ${services.join(', ')}`);
      for (const r of s.resources.slice(0, REPORT_LINES)) lines.push(`    ${r.kind} ${excerpt(r.id, 200)}${r.logicalId ? ` (logical id ${excerpt(r.logicalId, 128)})` : ''}`);
    }
    lines.push(
      '  Adopting these would give each resource two owners. Release them first (see the migration guide, docs/adoption.md):',
      '  set their removal policy to retain, deploy, remove them from the stack, deploy; then add',
      `  "adopt": { "fromStacks": [${result.stacks.map((s) => JSON.stringify(s.stack)).join(', ')}] } to the document.`,
      '  Route 53 records carry no tags: if a stack made the alias records, release them too.',
    );
  }
  if (result.ruleQuota > 100) lines.push(`The document has ${result.services.length} services: validate and run it with --rule-quota ${result.ruleQuota} (the account's quota must allow that many rules).`);
  const c = ctx.awsCalls;
  lines.push(
    `AWS calls: ${c.total} (${c.mutating} mutating) in ${(ctx.durationMs / 1000).toFixed(1)} s: ${Object.entries(c.byService)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push('Next: routeyard --validate --source FILE, then routeyard --dry-run --source FILE: it shows what adoption would tag and any difference the notes name.');
  return `${lines.join('\n')}\n`;
}
