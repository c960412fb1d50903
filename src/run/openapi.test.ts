import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DriftResponse } from '../model/report-contract.ts';
import { renderOpenApi } from './openapi.ts';

describe('schema/openapi.json', () => {
  it('is the document generated from the report contract the code uses (run `make schema` when this fails)', () => {
    const committed = readFileSync(new URL('../../schema/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderOpenApi());
  });

  it('describes every field of the drift response', () => {
    const doc = JSON.parse(renderOpenApi()) as { components: { schemas: { DriftResponse: { properties: Record<string, unknown> } } } };
    expect(Object.keys(doc.components.schemas.DriftResponse.properties).sort()).toEqual(Object.keys(DriftResponse.shape).sort());
  });
});
