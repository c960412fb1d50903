import { runCli } from './cli.ts';

/** Process entry point: the CLI with the real stdout, stderr and environment. */
const result = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
});
process.exitCode = result.exitCode;
