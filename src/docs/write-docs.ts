import { readFileSync, writeFileSync } from 'node:fs';
import { renderPages } from './generated.ts';

/**
 * `make docs` (and `make schema`): rewrite the generated parts of the pages under docs/ (the
 * flag table, the metrics, the document's field reference) from the definitions the code
 * uses. A test fails when a committed page is stale. Run from the repository root.
 */
for (const [page, text] of renderPages((p) => readFileSync(p, 'utf8'))) {
  if (readFileSync(page, 'utf8') === text) continue;
  writeFileSync(page, text);
  console.log(`wrote ${page}`);
}
