/**
 * JSON-lines logs: one object per line, `{time, level, msg, ...fields}`, written whole with one
 * `write` call so lines from concurrent work never interleave. `time` is ISO 8601 (UTC) from the
 * agent's clock. Fields that are `undefined` are left out.
 *
 * Nothing here filters secrets: callers pass only data that holds none (target names, digests,
 * error data of the sync engine, which is scrubbed of keys; URLs without userinfo).
 */
import type { Clock } from './clock.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Receives each line, newline included (the CLI writes to stdout). */
  readonly write: (line: string) => void;
  readonly clock: Pick<Clock, 'now'>;
  /** Lines below this level are dropped. Default `info`. */
  readonly level?: LogLevel;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const line: Record<string, unknown> = { time: new Date(options.clock.now()).toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && !(key in line)) line[key] = value;
    }
    options.write(`${JSON.stringify(line)}\n`);
  };
  return {
    log,
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}
