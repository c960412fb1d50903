// Build the CDK app offline, as `cdk synth` does: cdk.json's context plus the committed
// cdk.context.json (the lookups' answers), plus a test's overrides.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type RouteyardApp } from '../lib/app.ts';

export const DEPLOY_DIR = path.resolve(import.meta.dirname, '..');
export const REPO_DIR = path.resolve(DEPLOY_DIR, '..');

export function committedContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(DEPLOY_DIR, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const lookups = JSON.parse(readFileSync(path.join(DEPLOY_DIR, 'cdk.context.json'), 'utf8')) as Record<string, unknown>;
  return { ...cdkJson.context, ...lookups };
}

export interface Synthesized extends RouteyardApp {
  templates: { vpcLink: Template; alb: Template; routeyard: Template; forwarder?: Template };
}

export function synthesize(overrides: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...committedContext(), ...overrides } });
  const built = buildApp(app);
  return {
    ...built,
    templates: {
      vpcLink: Template.fromStack(built.vpcLink),
      alb: Template.fromStack(built.alb),
      routeyard: Template.fromStack(built.routeyard),
      ...(built.forwarder ? { forwarder: Template.fromStack(built.forwarder) } : {}),
    },
  };
}

/** The one resource of a type in a template (fails when there is not exactly one). */
export function only(template: Template, type: string): { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> } {
  const found = Object.values(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as { Properties: Record<string, unknown> };
}
