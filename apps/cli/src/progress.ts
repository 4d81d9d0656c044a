/**
 * A one-line progress bar on stderr, redrawn in place. Drawn only when stderr is a terminal, so logs and
 * pipes stay clean; redraws are throttled.
 */
import { formatBytes } from './style.js';

export interface ProgressBar {
  /** `done` of `total` units; `label` replaces the text after the bar. */
  update(done: number, total: number, label?: string): void;
  /** Clears the line (or ends it with `message`). */
  done(message?: string): void;
}

const NO_PROGRESS: ProgressBar = { update() {}, done() {} };

export interface ProgressOptions {
  /** Text before the bar. */
  title: string;
  /** Show done/total as bytes (default) or as plain counts. */
  unit?: 'bytes' | 'count';
  stream?: NodeJS.WriteStream;
  /** Force off (e.g. --quiet). */
  enabled?: boolean;
}

export function progressBar(options: ProgressOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || !stream.isTTY) return NO_PROGRESS;
  const started = Date.now();
  let last = 0;
  let drawn = false;
  const fmt = (n: number) => (options.unit === 'count' ? String(n) : formatBytes(n));
  return {
    update(done, total, label = '') {
      const now = Date.now();
      if (now - last < 80 && done < total) return;
      last = now;
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      const secs = (now - started) / 1000;
      const eta = frac > 0 && frac < 1 ? ` eta ${Math.ceil((secs / frac) * (1 - frac))}s` : '';
      const text = `${options.title} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${fmt(done)}/${fmt(total)}${eta} ${label}`;
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`);
      drawn = true;
    },
    done(message) {
      if (drawn) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
