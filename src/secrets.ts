/** What a secret value is replaced with wherever routeyard writes something out. */
export const REDACTED = '(secret)';

/**
 * Values shorter than this are not scrubbed: they cannot be told apart from ordinary text
 * (scrubbing "1" would garble every log line). The references resolved from SecureString
 * parameters are ARNs, ids and DNS names, far longer.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * Values resolved from SecureString parameters, and the scrubbing of them from everything
 * routeyard writes: the report (JSON, text, dashboard, /drift), the HTTP server's bodies,
 * log lines and webhook messages. A value must not leak through an error message that
 * happens to quote it (an AWS error naming a listener ARN, a plan message naming a zone),
 * so each output is scrubbed as a whole rather than each message at its source.
 *
 * One per process (`secretValues`): resolution learns the values at the start of a pass,
 * and the writers, some of which are not given the pass's state (the logger, the report
 * renderers), scrub with what it holds. Values are only added, never removed: a rotated
 * secret stays scrubbed for the life of the process.
 */
export class SecretValues {
  /** Every form a value may be written in, longest first (so one secret inside another goes whole). */
  private forms: string[] = [];

  /** Remember a secret value and the forms routeyard writes it in (trimmed, normalized, escaped). */
  add(value: string): void {
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    const bases = new Set([value, trimmed, trimmed.toLowerCase().replace(/\.$/, ''), trimmed.replace(/^\/hostedzone\//, '')]);
    const all = new Set(this.forms);
    for (const b of bases) {
      if (b.length < MIN_SECRET_LENGTH) continue;
      all.add(b);
      all.add(JSON.stringify(b).slice(1, -1)); // inside a JSON string
      all.add(escapeHtml(b)); // inside the dashboard
    }
    this.forms = [...all].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.forms.length;
  }

  /** The text with every known secret replaced by REDACTED. */
  redact(text: string): string {
    if (this.forms.length === 0) return text;
    let out = text;
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  }

  /** A copy of a JSON-like value with every string scrubbed (keys included). */
  redactDeep<T>(value: T): T {
    if (this.forms.length === 0) return value;
    return this.walk(value) as T;
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.redact(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[this.redact(k)] = this.walk(x);
      return out;
    }
    return v;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The process's secret values (see SecretValues). */
export const secretValues = new SecretValues();
