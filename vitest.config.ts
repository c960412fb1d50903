import { defineConfig } from 'vitest/config';

// Three suites: `unit` (pure code and aws-sdk-client-mock, next to the code, run in parallel),
// `integration` (the real SDK against moto in server mode, one emulator shared by the files,
// which run one at a time and reset it at their start) and `deploy` (the CDK app in deploy/:
// offline synth, assertions, cdk-nag, cfn-lint and checkov).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-moto.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'deploy',
          include: ['deploy/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
