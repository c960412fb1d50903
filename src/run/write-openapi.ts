import { writeFileSync } from 'node:fs';
import { renderOpenApi } from './openapi.ts';

/** `make schema`: regenerate schema/openapi.json (a test fails when it is stale). */
const target = process.argv[2] ?? 'schema/openapi.json';
writeFileSync(target, renderOpenApi());
console.log(`wrote ${target}`);
