import fs from 'node:fs';
import path from 'node:path';
import type { Redactor } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  close(): Promise<void>;
}

/**
 * JSON-lines log file. Every line goes through the redactor as a whole, so a secret cannot slip through
 * a field we forgot to mask. Rotates once the file passes `maxBytes` (one previous file kept).
 */
export function createFileLogger(opts: {
  file: string;
  redactor: Redactor;
  level?: LogLevel;
  maxBytes?: number;
  echo?: boolean;
}): Logger {
  const { file, redactor } = opts;
  const min = order[opts.level ?? 'info'];
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  let fd = fs.openSync(file, 'a', 0o600);
  // A file made by an older version, or under another umask, may be readable by others.
  const ownerOnly = () => {
    if (process.platform === 'win32') return;
    try {
      fs.fchmodSync(fd, 0o600);
    } catch {
      // Not ours to change (a log on a shared mount): keep logging.
    }
  };
  ownerOnly();

  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const line = redactor.redact(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }, errorReplacer)) + '\n';
    if (fd < 0) return;
    if (size + line.length > maxBytes) {
      fs.closeSync(fd);
      fs.renameSync(file, `${file}.1`);
      fd = fs.openSync(file, 'a', 0o600);
      ownerOnly();
      size = 0;
    }
    // Synchronous append: a crash right after an error must still leave the line on disk.
    fs.writeSync(fd, line);
    size += Buffer.byteLength(line);
    if (opts.echo) process.stderr.write(line);
  };

  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    close: async () => {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    },
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
