import { pino, type Logger } from 'pino';
import { secretValues } from './secrets.ts';

export type { Logger };

/**
 * The one logger. JSON lines on stderr, so stdout carries only results (the report).
 * Level from ROUTEYARD_LOG_LEVEL (default `info`; tests use `silent`). Every line is
 * scrubbed of values resolved from SecureString parameters before it is written.
 */
export function createLogger(level = process.env.ROUTEYARD_LOG_LEVEL ?? 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { app: 'routeyard' }, hooks: { streamWrite: (line) => secretValues.redact(line) } }, destination);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
