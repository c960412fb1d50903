import type { TestProject } from 'vitest/node';
import { startMoto, type MotoServer } from './moto.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

let server: MotoServer | undefined;

/** One moto server for the integration suite, on a free loopback port. */
export async function setup(project: TestProject): Promise<void> {
  server = await startMoto();
  project.provide('motoEndpoint', server.endpoint);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
