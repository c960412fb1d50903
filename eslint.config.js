// Lint: typescript-eslint's recommended rules, plus the architecture's dependency rule:
// desired/, model/ and plan/ are pure and must never reach for the AWS SDK or the runners.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.venv/**', '.venv-iac/**', 'coverage/**', 'deploy/node_modules/**', 'deploy/cdk.out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', fetch: 'readonly', setTimeout: 'readonly', performance: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // Flat config: for one rule, the last matching block wins, so the pure folders' block (which
  // repeats the SDK pattern) comes after the general one.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/aws/**', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@aws-sdk/*'], message: 'Only src/aws/ imports @aws-sdk/*.' }] },
      ],
    },
  },
  {
    files: ['src/desired/**/*.ts', 'src/model/**/*.ts', 'src/plan/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*'], message: 'desired/, model/ and plan/ never import the AWS SDK: go through an adapter in aws/.' },
            { group: ['**/run/*', '**/reconcile/*'], message: 'desired/, model/ and plan/ must not depend on the runners.' },
          ],
        },
      ],
    },
  },
);
