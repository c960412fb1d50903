/**
 * Bounded excerpts of text that came from outside (a queue message, a field in it), for log
 * lines and reasons: never the whole of a value whose size someone else chose.
 */

/** Excerpts of message bodies in log lines are at most this long (plus the "more" marker). */
export const BODY_EXCERPT_CHARS = 200;

/**
 * The first `max` characters of `text` (not splitting a surrogate pair), followed by
 * `…(+N chars)` when something was cut. Anything that is not a string is described by its type.
 */
export function excerpt(text: unknown, max = BODY_EXCERPT_CHARS): string {
  if (typeof text !== 'string') return describeValue(text);
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair would be cut
  return `${text.slice(0, end)}…(+${text.length - end} chars)`;
}

/**
 * What a value from an event is, in a few words and without walking into it (a value can be
 * nested deeper than the stack goes): a string as a quoted excerpt, anything else by type.
 */
export function describeValue(v: unknown, max = 100): string {
  if (typeof v === 'string') return JSON.stringify(excerpt(v, max));
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  switch (typeof v) {
    case 'undefined':
      return '(none)';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof v}`;
  }
}
