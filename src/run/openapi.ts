import { z } from 'zod';
import { ApiError, DriftResponse } from '../model/report-contract.ts';

/**
 * The OpenAPI 3.1 document of the daemon's read-only HTTP endpoints. Its schemas are
 * generated from the zod definitions the code builds the report with
 * (model/report-contract.ts), so the document cannot drift from the JSON served; a test
 * fails when the committed schema/openapi.json is stale (`make schema` rewrites it).
 */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema; // the OpenAPI document declares its dialect once
  return out;
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } });

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'routeyard controller',
      version: '1',
      description:
        'Read-only endpoints of the routeyard daemon: liveness, readiness, the drift report of the latest pass (the same contract as `routeyard --reconcile-once --output json`), Prometheus metrics and an HTML dashboard. No endpoint changes AWS. Only GET and HEAD are allowed; other methods answer 405 and unknown paths 404, both with a JSON error.',
    },
    paths: {
      '/healthz': {
        get: {
          operationId: 'healthz',
          summary: 'Liveness: the event loop answers.',
          responses: { '200': { description: 'alive', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Readiness: a first pass has completed and the desired-state source is readable.',
          responses: {
            '200': { description: 'ready', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
            '503': errorResponse('not ready yet: no pass has completed, or the source is unreadable, empty or invalid'),
          },
        },
      },
      '/drift': {
        get: {
          operationId: 'drift',
          summary: 'The report of the latest pass, with its age, the source error if any, the lease state and the recent passes.',
          parameters: [
            {
              name: 'service',
              in: 'query',
              required: false,
              description: 'Narrow the report to one service (its resources and actions).',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': { description: 'the latest report', content: { 'application/json': { schema: { $ref: '#/components/schemas/DriftResponse' } } } },
            '404': errorResponse('no service of that name in the latest report'),
            '503': errorResponse('no pass has completed yet'),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics in the text exposition format.',
          responses: { '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/': {
        get: {
          operationId: 'dashboard',
          summary: 'The HTML dashboard: services against resource kinds, coloured by status; refreshes itself.',
          responses: {
            '200': { description: 'dashboard', content: { 'text/html': { schema: { type: 'string' } } } },
            '503': errorResponse('no pass has completed yet'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document.',
          responses: { '200': { description: 'the OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      schemas: {
        Health: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
        ApiError: jsonSchema(ApiError),
        DriftResponse: jsonSchema(DriftResponse),
      },
    },
  };
}

export function renderOpenApi(): string {
  return JSON.stringify(openApiDocument(), null, 2) + '\n';
}
