import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLAGS, USAGE, flagLabel } from '../run/cli.ts';
import { GENERATED_SECTIONS, markers, renderPages, splice } from './generated.ts';

const root = new URL('../../', import.meta.url);
const read = (page: string) => readFileSync(new URL(page, root), 'utf8');

describe('the generated parts of docs/', () => {
  for (const [page, text] of renderPages(read)) {
    it(`${page} is what the code generates (run \`make docs\` when this fails)`, () => {
      expect(read(page)).toBe(text);
    });
  }

  it('every generated part has its markers, once', () => {
    for (const { page, name } of GENERATED_SECTIONS) {
      const text = read(page);
      const { begin, end } = markers(name);
      expect(text.split(begin).length - 1, `${page} ${begin}`).toBe(1);
      expect(text.split(end).length - 1, `${page} ${end}`).toBe(1);
    }
  });

  it('a page whose generated part was edited by hand is stale', () => {
    const { page, name } = GENERATED_SECTIONS[0]!;
    const edited = splice(read(page), name, '| `--made-up` | a flag the parser does not take |');
    expect(edited).not.toBe(renderPages((p) => (p === page ? edited : read(p))).get(page));
  });
});

describe('docs/cli.md', () => {
  it('names every flag --help names', () => {
    const page = read('docs/cli.md');
    const inHelp = [...USAGE.matchAll(/^ {2}(?:-h, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!);
    expect(inHelp.length).toBe(FLAGS.length);
    for (const flag of inHelp) expect(page, flag).toContain(`\`${flag}`);
    for (const f of FLAGS) expect(page, f.name).toContain(`| \`${flagLabel(f)}\` |`);
  });

  it('--help and the table give each flag the same default (both are written in FLAGS)', () => {
    const defaultIn = (text: string) => /\bdefault:? `?([^`\s),;:]+)/i.exec(text)?.[1]?.replace(/\.$/, '');
    for (const f of FLAGS) {
      const help = defaultIn(f.help.join(' '));
      const doc = defaultIn(f.doc);
      if (help !== undefined || doc !== undefined) expect(help, `--${f.name}: help says ${help}, the table ${doc}`).toBe(doc);
    }
  });
});
