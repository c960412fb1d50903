import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema } from './json-schema.ts';

describe('schema/routeset.schema.json', () => {
  it('is the schema generated from the runtime definition (run `make schema` when this fails)', () => {
    const committed = readFileSync(new URL('../../schema/routeset.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderJsonSchema());
  });

  it('is what the example document refers to', () => {
    const example = JSON.parse(readFileSync(new URL('../../desired-state.example.json', import.meta.url), 'utf8')) as { $schema: string };
    expect(example.$schema).toBe('./schema/routeset.schema.json');
  });
});
