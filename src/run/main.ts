import { createLogger } from '../log.ts';
import { secretValues } from '../secrets.ts';
import { runCli } from './cli.ts';
import { guardBackgroundRejections } from './crash-guard.ts';

guardBackgroundRejections(createLogger(process.env.ROUTEYARD_LOG_LEVEL ?? 'info'));

/**
 * Process entry point: the CLI with the real stdout, stderr and environment. Whatever it
 * writes (the report, progress lines) is scrubbed of values resolved from SecureString
 * parameters, as log lines are.
 */
const result = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(secretValues.redact(s)),
  stderr: (s) => process.stderr.write(secretValues.redact(s)),
  env: process.env,
});
// The controller has released its lease and closed its server; idle SDK sockets must not
// keep the process alive past ECS's stop timeout. A one-shot run ends once stdout is flushed:
// a call abandoned at the pass deadline may still hold a socket open until its own timeout.
if (result.stopped) process.exit(result.exitCode);
process.exitCode = result.exitCode;
process.stdout.write('', () => process.exit(result.exitCode));
