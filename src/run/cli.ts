import { parseArgs } from 'node:util';
import { parseSourceUri } from '../desired/sources/index.ts';
import { RouteyardError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { DEFAULT_GUARDS } from '../reconcile/guards.ts';
import { runPass, type PassDependencies } from '../reconcile/pass.ts';
import { exitCodeFor, type Mode, type Report } from '../plan/report.ts';
import { renderJson } from '../report/json.ts';
import { renderText } from '../report/text.ts';
import { wireDependencies } from './wire.ts';

export const USAGE = `Usage: routeyard (--reconcile-once | --dry-run | --validate) [options]

Modes:
  --reconcile-once        plan and apply once, then exit
  --dry-run               plan and report only (with or without --reconcile-once)
  --validate              check the desired state document only; reads the source, nothing else

Options:
  --source URI            file:PATH | ssm:/name | ssm-path:/prefix/ | s3://bucket/key
                          (default: $ROUTEYARD_SOURCE)
  --output text|json      report format on stdout (default: text)
  --allow-mass-delete     allow a pass to delete more than --max-delete-share of owned resources
  --max-delete-share N    largest share (0..1) of owned resources one pass may delete (default 0.5)
  --rule-quota N          listener rules allowed (default 100, the AWS default quota)
  --apigw-rps N           client-side pace of API Gateway calls per second (default 10)
  -h, --help              this text

AWS settings come from the SDK's environment: AWS_REGION, the credential chain,
AWS_ENDPOINT_URL (for an emulator). Logs are JSON lines on stderr; the report is on stdout.

Exit codes: 0 in sync or converged; 1 runtime error, partial failure, Conflict or Error;
2 drift found under --dry-run; 3 invalid desired state; 4 refused by a safety guard.`;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

export interface CliResult {
  exitCode: number;
  report?: Report;
}

/**
 * Parse arguments, run one pass, print the report, return the exit code. `deps` is
 * injectable so tests drive the real CLI in-process against the emulator.
 */
export async function runCli(argv: string[], io: CliIo, makeDeps?: (log: Logger, apiGatewayRps: number) => PassDependencies): Promise<CliResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'reconcile-once': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        validate: { type: 'boolean' },
        source: { type: 'string' },
        output: { type: 'string' },
        'allow-mass-delete': { type: 'boolean' },
        'max-delete-share': { type: 'string' },
        'rule-quota': { type: 'string' },
        'apigw-rps': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`routeyard: ${(err as Error).message}\n\n${USAGE}\n`);
    return { exitCode: 1 };
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return { exitCode: 0 };
  }
  try {
    const mode: Mode | undefined = values.validate ? 'validate' : values['dry-run'] ? 'dry-run' : values['reconcile-once'] ? 'reconcile' : undefined;
    if (!mode) throw usage('choose a mode: --reconcile-once, --dry-run or --validate');
    const output = values.output ?? 'text';
    if (output !== 'text' && output !== 'json') throw usage(`--output must be text or json, not ${JSON.stringify(output)}`);
    const sourceUri = values.source ?? io.env.ROUTEYARD_SOURCE;
    if (!sourceUri) throw usage('no desired state: pass --source URI or set ROUTEYARD_SOURCE');
    parseSourceUri(sourceUri); // a malformed URI is a usage error, before anything runs
    const maxDeleteShare = numberOption(values['max-delete-share'], '--max-delete-share', DEFAULT_GUARDS.maxDeleteShare, 0, 1);
    const ruleQuota = numberOption(values['rule-quota'], '--rule-quota', 100, 1, 10000, true);
    const apiGatewayRps = numberOption(values['apigw-rps'], '--apigw-rps', 10, 0.1, 1000);

    const log = createLogger(io.env.ROUTEYARD_LOG_LEVEL ?? 'info');
    const deps = makeDeps ? makeDeps(log, apiGatewayRps) : wireDependencies(log, { apiGatewayRps });
    const report = await runPass(
      { sourceUri, mode, ruleQuota, guards: { maxDeleteShare, allowMassDelete: values['allow-mass-delete'] ?? false } },
      deps,
    );
    io.stdout(output === 'json' ? renderJson(report) : renderText(report));
    return { exitCode: exitCodeFor(report), report };
  } catch (err) {
    if (err instanceof RouteyardError && err.code === 'UsageError') {
      io.stderr(`routeyard: ${err.message}\n\n${USAGE}\n`);
      return { exitCode: 1 };
    }
    throw err;
  }
}

function usage(message: string): RouteyardError {
  return new RouteyardError('UsageError', message, { fault: 'user' });
}

function numberOption(raw: string | undefined, name: string, fallback: number, min: number, max: number, integer = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw usage(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return n;
}
