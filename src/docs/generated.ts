import ms from 'ms';
import { routeSetJsonSchema } from '../desired/json-schema.ts';
import { ControllerMetrics } from '../report/metrics.ts';
import { FLAG_GROUPS, FLAGS, NO_MODE, flagLabel, type FlagGroup, type FlagSpec } from '../run/cli.ts';
import { DURATION_MAXIMA } from '../run/durations.ts';

/**
 * The generated parts of the reference pages under docs/: each sits between a pair of
 * markers, `<!-- BEGIN GENERATED: <name> (make docs) -->` and `<!-- END GENERATED: <name> -->`,
 * and is made from the definition the code itself uses, so the page cannot drift from it.
 * `make docs` (src/docs/write-docs.ts) rewrites them; src/docs/generated.test.ts fails when a
 * committed page differs from what this renders.
 */
export interface GeneratedSection {
  /** The page, relative to the repository root. */
  readonly page: string;
  /** The marker's name. */
  readonly name: string;
  readonly render: () => string;
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { page: 'docs/cli.md', name: 'flags', render: renderFlagTable },
  { page: 'docs/metrics.md', name: 'metrics', render: renderMetricTable },
  { page: 'docs/document-format.md', name: 'fields', render: renderFieldReference },
];

/** A Markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** Inline code that may itself hold backticks. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

const GROUP_TITLES: Record<FlagGroup, string> = {
  mode: 'Modes',
  general: 'Options',
  controller: 'Controller options',
  import: 'Import options (`--import`)',
  lease: 'Leader lease (the controller, and `--reconcile-once` without `--dry-run`)',
  help: 'Help',
};

/** docs/cli.md: every flag the parser takes, by group, with each duration flag's maximum. */
export function renderFlagTable(): string {
  const out: string[] = [];
  for (const group of Object.keys(FLAG_GROUPS) as FlagGroup[]) {
    const flags: readonly FlagSpec[] = FLAGS.filter((f: FlagSpec) => f.group === group);
    out.push(`### ${GROUP_TITLES[group]}`, '', '| flag | meaning |', '|---|---|');
    if (group === 'mode') out.push(`| (no mode flag) | ${cell(NO_MODE.doc)} |`);
    for (const f of flags) {
      const max = DURATION_MAXIMA[`--${f.name}`];
      const limit = f.arg === 'DURATION' && max ? ` At most \`${ms(max.maxMs)}\`: ${max.why}.` : '';
      out.push(`| ${code(flagLabel(f))} | ${cell(f.doc + limit)} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** docs/metrics.md: every metric the controller registers (prom-client's own process metrics by name). */
export function renderMetricTable(): string {
  const metrics = new ControllerMetrics().registry.getMetricsAsArray();
  const own = metrics.filter((m) => m.name.startsWith('routeyard_')).sort((a, b) => a.name.localeCompare(b.name));
  const standard = metrics.filter((m) => !m.name.startsWith('routeyard_')).map((m) => m.name).sort();
  const rows = own.map((m) => {
    const labels = (m as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    return `| \`${m.name}\` | ${m.type} | ${labels.map((l) => `\`${l}\``).join(', ')} | ${cell(m.help)} |`;
  });
  return [
    '| metric | type | labels | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    `prom-client's process and Node.js metrics (CPU, memory, heap, event loop lag, garbage collection), under their standard names: ${standard.map((n) => `\`${n}\``).join(', ')}.`,
  ].join('\n');
}

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
};

function typeOf(s: JsonSchema): string {
  if (s.anyOf) return [...new Set(s.anyOf.map(typeOf))].join(' or ');
  if (s.const !== undefined) return code(JSON.stringify(s.const));
  if (s.enum) return s.enum.map((v) => code(JSON.stringify(v))).join(', ');
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

function range(min: number | undefined, max: number | undefined, unit: string): string | undefined {
  if (min === undefined && max === undefined) return undefined;
  if (min !== undefined && max !== undefined) return min === max ? `${unit} ${min}` : `${unit} ${min}..${max}`;
  return min !== undefined ? `${unit} ≥ ${min}` : `${unit} ≤ ${max}`;
}

function limitsOf(s: JsonSchema): string {
  const parts = [
    range(s.minLength, s.maxLength, 'length'),
    range(s.minimum, s.maximum, 'value'),
    s.exclusiveMinimum !== undefined ? `value > ${s.exclusiveMinimum}` : undefined,
    range(s.minItems, s.maxItems, 'items'),
  ].filter((p): p is string => p !== undefined);
  for (const alt of s.anyOf ?? []) {
    const l = limitsOf(alt);
    if (l && !parts.includes(l)) parts.push(l);
  }
  return parts.join('; ');
}

/**
 * docs/document-format.md: every field of the document, walked from the JSON Schema
 * (schema/routeset.schema.json, itself generated from the zod definition that validates at
 * run time): its path, type, whether it is required, its limits and the schema's description.
 */
export function renderFieldReference(): string {
  const rows: string[] = [];
  const visit = (node: JsonSchema, path: string) => {
    const required = new Set(node.required ?? []);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const field = `${path}${path ? '.' : ''}${key}`;
      rows.push(`| ${code(field)} | ${cell(typeOf(child))} | ${required.has(key) ? 'yes' : ''} | ${cell(limitsOf(child))} | ${cell(child.description ?? '')} |`);
      descend(child, field);
    }
  };
  const descend = (node: JsonSchema, path: string) => {
    if (node.properties) visit(node, path);
    if (node.items) descend(node.items, `${path}[]`);
    for (const alt of node.anyOf ?? []) descend(alt, path);
  };
  visit(routeSetJsonSchema() as JsonSchema, '');
  return ['| field | type | required | limits | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The markers around a generated part. */
export function markers(name: string): { begin: string; end: string } {
  return { begin: `<!-- BEGIN GENERATED: ${name} (make docs) -->`, end: `<!-- END GENERATED: ${name} -->` };
}

/** `page` with the part between `name`'s markers replaced by `content`; an Error when the markers are missing. */
export function splice(page: string, name: string, content: string): string {
  const { begin, end } = markers(name);
  const from = page.indexOf(begin);
  const to = page.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the page has no "${begin}" ... "${end}" markers`);
  return `${page.slice(0, from + begin.length)}\n${content}\n${page.slice(to)}`;
}

/** Every page with generated parts, as `make docs` would write it: page path -> text. */
export function renderPages(read: (page: string) => string): Map<string, string> {
  const pages = new Map<string, string>();
  for (const section of GENERATED_SECTIONS) {
    const current = pages.get(section.page) ?? read(section.page);
    pages.set(section.page, splice(current, section.name, section.render()));
  }
  return pages;
}
