import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/README-map.md is the review list of issue 19: one row per heading of the former
 * single-page README, each pointing at the page that now holds that section. The link
 * checker (docs-links.test.ts) proves every target resolves; this proves no section is
 * missing from the list.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const map = readFileSync(join(ROOT, 'docs/README-map.md'), 'utf8');

interface Row {
  heading: string;
  targets: string[];
}

function rows(): Row[] {
  return map
    .split('\n')
    .map((line) => /^\| `(#{1,3} [^`]+)` \| (.+) \|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ heading: m[1]!, targets: [...m[2]!.matchAll(/\]\(([^)]+)\)/g)].map((t) => t[1]!) }));
}

/** `#`, `##` and `###` headings outside code blocks. */
export function headingsOf(markdown: string): string[] {
  let inCode = false;
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    else if (!inCode && /^#{1,3} /.test(line)) out.push(line.trim());
  }
  return out;
}

/** The README as it was last a single page (over 500 lines), from git history; undefined without history. */
function formerReadme(): string | undefined {
  try {
    const commits = execFileSync('git', ['log', '--format=%H', '-n', '50', '--', 'README.md'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const c of commits) {
      const text = execFileSync('git', ['show', `${c}:README.md`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (text.split('\n').length > 500) return text;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

describe('docs/README-map.md', () => {
  it('has one row per section, each pointing at a page that exists', () => {
    const list = rows();
    expect(list.length).toBeGreaterThanOrEqual(40);
    expect(new Set(list.map((r) => r.heading)).size).toBe(list.length);
    for (const r of list) {
      expect(r.targets.length, r.heading).toBeGreaterThan(0);
      for (const t of r.targets) expect(existsSync(join(ROOT, 'docs', t.split('#')[0]!)), `${r.heading} -> ${t}`).toBe(true);
    }
  });

  const former = formerReadme();
  it.runIf(former !== undefined)('lists every heading of the last single-page README, in its order', () => {
    expect(rows().map((r) => r.heading)).toEqual(headingsOf(former!));
  });

  it('the README is the front door again: at most about 250 lines, and it links every page under docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    expect(pages.length).toBeGreaterThan(15);
    for (const p of pages) expect(readme, p).toContain(`](${p}`);
  });

  it("says why each of package.json's dependencies is there (README: Dependencies and why)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Dependencies and why'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      // The SDK clients are named as a family (`@aws-sdk/client-*`) or one by one.
      const named = table.includes(`\`${name}\``) || (name.startsWith('@aws-sdk/client-') && table.includes('`@aws-sdk/client-*`'));
      expect(named, name).toBe(true);
    }
  });
});
