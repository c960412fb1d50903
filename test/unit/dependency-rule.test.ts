import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/harness.ts';

/**
 * The architecture's dependency rule (docs/architecture.md), as `make lint` applies it from
 * eslint.config.js: the planner and the document's code never reach for the SDK or the runners;
 * elsewhere only src/aws/ imports the SDK.
 */
describe('the dependency rule in eslint.config.js', () => {
  const eslint = new ESLint({ cwd: repoRoot });
  const messages = async (file: string, code: string) =>
    (await eslint.lintText(code, { filePath: join(repoRoot, file) })).flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));

  it('plan/, model/ and desired/ may not import the runners or the SDK', async () => {
    expect(await messages('src/plan/example.ts', "import { x } from '../run/cli.ts';\nexport const y = x;\n")).toEqual([expect.stringContaining('must not depend on the runners')]);
    expect(await messages('src/model/example.ts', "import { x } from '../reconcile/pass.ts';\nexport const y = x;\n")).toEqual([expect.stringContaining('must not depend on the runners')]);
    expect(await messages('src/desired/example.ts', "import { S3Client } from '@aws-sdk/client-s3';\nexport const y = S3Client;\n")).toEqual([expect.stringContaining('never import the AWS SDK')]);
  });

  it('outside src/aws/ the SDK is refused; inside it, and the runners elsewhere, are not', async () => {
    expect(await messages('src/run/example.ts', "import { S3Client } from '@aws-sdk/client-s3';\nexport const y = S3Client;\n")).toEqual([expect.stringContaining('Only src/aws/')]);
    expect(await messages('src/aws/example.ts', "import { S3Client } from '@aws-sdk/client-s3';\nexport const y = S3Client;\n")).toEqual([]);
    expect(await messages('src/run/example.ts', "import { x } from '../reconcile/pass.ts';\nexport const y = x;\n")).toEqual([]);
  });
});
