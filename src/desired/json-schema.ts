import { z } from 'zod';
import { RouteSet } from './schema.ts';

/** The JSON Schema of the desired-state document, generated from the runtime schema. */
export function routeSetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RouteSet, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://routeyard.dev/schema/routeset.schema.json',
    title: 'routeyard RouteSet',
    description: 'Desired state for routeyard: services routed through a shared VPC link and a shared internal ALB listener.',
  };
}

export function renderJsonSchema(): string {
  return JSON.stringify(routeSetJsonSchema(), null, 2) + '\n';
}
