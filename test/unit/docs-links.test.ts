import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { remark } from 'remark';
import remarkGfm from 'remark-gfm';
import remarkValidateLinks from 'remark-validate-links';
import { engine } from 'unified-engine';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link in the front door and the reference pages resolves: the file exists,
 * and a `#heading` names a heading of that file (GitHub's slugs). remark-validate-links
 * checks headings in other files only when run over the files as one set, through
 * unified-engine (as remark-cli does); `repository: false` keeps it offline (no git remote,
 * no URL to a hosting site is checked).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type EngineOptions = Parameters<typeof engine>[0];
type Plugins = NonNullable<EngineOptions['plugins']>;
/** What the test reads of each processed file (a VFile). */
interface Checked {
  path: string;
  messages: { line?: number | null | undefined; column?: number | null | undefined; reason: string }[];
}

export function checkedPages(root: string): string[] {
  return ['README.md', 'deploy/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

/** The problems remark-validate-links finds, as `file:line:column: message`. */
export async function brokenLinks(root: string, files: string[]): Promise<string[]> {
  const done = await new Promise<Checked[]>((resolve, reject) => {
    engine(
      {
        processor: remark().use(remarkGfm),
        files,
        cwd: root,
        extensions: ['md'],
        plugins: [[remarkValidateLinks, { repository: false, root }]] as unknown as Plugins,
        output: false,
        out: false,
        silent: true,
        quiet: true,
        color: false,
        detectConfig: false,
        detectIgnore: false,
        streamError: new PassThrough(),
        streamOut: new PassThrough(),
      },
      (err, _code, context) => (err ? reject(err) : resolve((context?.files ?? []) as unknown as Checked[])),
    );
  });
  return done.flatMap((f) => f.messages.map((m) => `${f.path}:${m.line ?? 0}:${m.column ?? 0}: ${m.reason}`));
}

describe('links in README.md, deploy/README.md and docs/*.md', () => {
  it('every relative link and anchor resolves', async () => {
    const pages = checkedPages(ROOT);
    expect(pages.length).toBeGreaterThan(10);
    expect(await brokenLinks(ROOT, pages)).toEqual([]);
  }, 30_000);

  it('a broken file link, a broken anchor and an anchor into another page are all found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routeyard-links-'));
    try {
      mkdirSync(join(dir, 'docs'));
      copyFileSync(join(ROOT, 'docs/cli.md'), join(dir, 'docs/cli.md'));
      writeFileSync(
        join(dir, 'README.md'),
        ['# Title', '', '## A section', '', '[ok](#a-section) [ok](docs/cli.md#exit-codes)', '', '[gone](docs/nowhere.md) [no anchor](#nowhere) [no anchor there](docs/cli.md#no-such-heading)', ''].join('\n'),
      );
      const found = await brokenLinks(dir, ['README.md']);
      expect(found.join('\n')).toMatch(/README\.md:7:1: .*docs\/nowhere\.md/);
      expect(found.join('\n')).toMatch(/README\.md:7:.*#nowhere/);
      expect(found.join('\n')).toMatch(/README\.md:7:.*no-such-heading/);
      expect(found).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
