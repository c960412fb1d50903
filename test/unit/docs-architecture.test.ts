import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const tree = page.slice(page.indexOf('```'), page.indexOf('```', page.indexOf('```') + 3));

const entries = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => !f.startsWith('.'));
const isDir = (p: string) => statSync(join(ROOT, p)).isDirectory();

describe('docs/architecture.md matches the folders', () => {
  it('names every folder of src/ and src/aws/, and every source file directly in src/', () => {
    for (const f of entries('src').filter((f) => isDir(`src/${f}`))) expect(tree, `src/${f}/`).toMatch(new RegExp(`^  ${f}/ `, 'm'));
    for (const f of entries('src').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) expect(tree, `src/${f}`).toMatch(new RegExp(`^  ${f.replace('.', '\\.')} `, 'm'));
    for (const f of entries('src/aws').filter((f) => isDir(`src/aws/${f}`))) expect(tree, `src/aws/${f}/`).toContain(`${f}/`);
  });

  it('names every module of the main folders, and every top-level folder', () => {
    for (const dir of ['src/run', 'src/plan', 'src/reconcile', 'src/report', 'src/desired', 'src/import', 'src/hints', 'src/docs', 'bench']) {
      for (const f of entries(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'types.ts')) expect(tree, `${dir}/${f}`).toContain(f);
    }
    // Every source file of model/ and of each service folder of aws/, and every file of test/unit/ and test/support/.
    for (const dir of ['src/model', ...entries('src/aws').filter((f) => isDir(`src/aws/${f}`)).map((f) => `src/aws/${f}`)]) {
      for (const f of entries(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) expect(tree, `${dir}/${f}`).toContain(f);
    }
    for (const dir of ['test/unit', 'test/support']) {
      for (const f of entries(dir)) expect(tree, `${dir}/${f}`).toContain(f.replace(/\.test\.ts$/, '').replace(/\.ts$/, ''));
    }
    expect(tree).toMatch(/^src\/$/m);
    for (const d of ['schema', 'docs', 'test', 'bench', 'demo', 'deploy']) expect(tree, d).toMatch(new RegExp(`^${d}/ `, 'm'));
  });
});
