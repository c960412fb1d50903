import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger. JSON lines on stderr, so stdout carries only results (the report).
 * Level from ROUTEYARD_LOG_LEVEL (default `info`; tests use `silent`).
 */
export function createLogger(level = process.env.ROUTEYARD_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'routeyard' } }, pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
