/** The most characters of a value from the document that an error message quotes. */
export const EXCERPT_CHARS = 80;

/**
 * A value from the document as an error message may quote it: control characters (CR, LF,
 * NUL, ...) written as escapes so a message stays one line, and at most `max` characters
 * of the value, with the full length said when it was cut. A 1 MiB string in a document
 * gives a message of a hundred characters, not a megabyte.
 */
export function excerpt(value: string, max = EXCERPT_CHARS): string {
  const cut = value.length > max;
  const shown = escapeControls(cut ? value.slice(0, max) : value);
  return cut ? `${shown}… (${value.length} characters)` : shown;
}

/** `excerpt` in double quotes, for values that are strings in the document. */
export function quoted(value: string, max = EXCERPT_CHARS): string {
  const cut = value.length > max;
  const shown = escapeControls(cut ? value.slice(0, max) : value).replace(/"/g, '\\"');
  return cut ? `"${shown}…" (${value.length} characters)` : `"${shown}"`;
}

function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
