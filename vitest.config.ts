import { defineConfig } from 'vitest/config';

// Two suites: `unit` (pure code and aws-sdk-client-mock, next to the code, run in parallel)
// and `integration` (the real SDK against moto in server mode, one emulator shared by the
// files, which run one at a time and reset it at their start).
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
    ],
  },
});
