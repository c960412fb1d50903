import { writeFileSync } from 'node:fs';
import { renderJsonSchema } from './json-schema.ts';

/** `make schema`: regenerate schema/routeset.schema.json (a test fails when it is stale). */
const target = process.argv[2] ?? 'schema/routeset.schema.json';
writeFileSync(target, renderJsonSchema());
console.log(`wrote ${target}`);
