// The one pino root logger per process; nodes and components get child loggers
// (log.child({ node: 'zk1' }).child({ component: 'client-port' })).
import pino, { type Logger } from 'pino';

export interface LoggerOptions {
  /** Human-readable lines (pino-pretty) instead of JSON; KZLAB_LOG_PRETTY=1 turns it on too. */
  pretty?: boolean;
  level?: string;
  /** Write to this file descriptor or path instead of stdout. */
  destination?: number | string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.KZLAB_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? process.env.KZLAB_LOG_PRETTY === '1';
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', destination: options.destination ?? 1 },
      },
    });
  }
  return pino({ level }, pino.destination({ dest: options.destination ?? 1, sync: false }));
}
