/**
 * Progress of a sync on stderr, from the engine's events (`SyncEvent`), so a long sync is not
 * silent until its report:
 * - `live` (stderr is a terminal): a line per target, redrawn in place at most every 100 ms:
 *   `eu-1  apply  1,200/2,000 writes  350/s`; erased before the report is printed;
 * - `lines` (a pipe or a file, e.g. a CI log): every few seconds, one line per target still
 *   working (`tick`, driven by the caller's timer); nothing at all for a sync shorter than that;
 * - `json` (`--format json`): a JSON object per line, for every phase and at most once a second
 *   per target for the writes done;
 * - `off` (`--quiet`).
 * It never prints a key or an object: only target names, phases and counts.
 */
import type { SyncEvent } from '../../sync/sync.js';

export type ProgressMode = 'live' | 'lines' | 'json' | 'off';

export interface ProgressOptions {
  readonly mode: ProgressMode;
  readonly write: (text: string) => void;
  /** Milliseconds; the system clock by default. */
  readonly now?: () => number;
}

interface TargetProgress {
  phase: string;
  done: number;
  total: number;
  /** When its writes started, for the rate. */
  writingSince: number | null;
  /** When a `json` progress line was last written for it. */
  reportedAt: number;
}

const REDRAW_MS = 100;
const JSON_PROGRESS_MS = 1_000;

export class SyncProgress {
  readonly #mode: ProgressMode;
  readonly #write: (text: string) => void;
  readonly #now: () => number;
  readonly #targets = new Map<string, TargetProgress>();
  /** Lines of the live block on the screen now. */
  #drawn = 0;
  #drawnAt = -Infinity;

  constructor(options: ProgressOptions) {
    this.#mode = options.mode;
    this.#write = options.write;
    this.#now = options.now ?? Date.now;
  }

  onEvent(event: SyncEvent): void {
    if (this.#mode !== 'off' && (event.type === 'phase' || event.type === 'progress')) this.#note(event);
  }

  #note(event: Extract<SyncEvent, { type: 'phase' | 'progress' }>): void {
    const now = this.#now();
    let state = this.#targets.get(event.target);
    if (state === undefined) {
      state = { phase: 'waiting', done: 0, total: 0, writingSince: null, reportedAt: -Infinity };
      this.#targets.set(event.target, state);
    }
    if (event.type === 'phase') {
      state.phase = event.phase;
      if (event.phase === 'apply' || event.phase === 'restore') {
        state.done = 0;
        state.total = 0;
        state.writingSince = now;
      }
      if (this.#mode === 'json') this.#write(`${JSON.stringify({ event: 'phase', target: event.target, phase: event.phase })}\n`);
    } else {
      state.done = event.done;
      state.total = event.total;
      if (this.#mode === 'json' && (now - state.reportedAt >= JSON_PROGRESS_MS || event.done === event.total)) {
        state.reportedAt = now;
        this.#write(`${JSON.stringify({ event: 'progress', target: event.target, phase: state.phase, done: event.done, total: event.total })}\n`);
      }
    }
    if (this.#mode === 'live' && now - this.#drawnAt >= REDRAW_MS) this.#redraw(now);
  }

  /** For `lines`: one line per target still working. The caller calls it every few seconds. */
  tick(): void {
    if (this.#mode !== 'lines') return;
    const now = this.#now();
    for (const [target, state] of this.#targets) {
      if (state.phase !== 'done') this.#write(`tagway: ${describe(target, state, now, target.length)}\n`);
    }
  }

  /** Erases the live block, so the report that follows starts on a clean screen. */
  finish(): void {
    if (this.#mode === 'live') this.#erase();
  }

  #redraw(now: number): void {
    this.#drawnAt = now;
    const width = Math.max(0, ...[...this.#targets.keys()].map((t) => t.length));
    const lines = [...this.#targets].map(([target, state]) => `\x1b[2K  ${describe(target, state, now, width)}\n`);
    this.#write(`${this.#drawn > 0 ? `\x1b[${this.#drawn}A` : ''}${lines.join('')}`);
    this.#drawn = lines.length;
  }

  #erase(): void {
    if (this.#drawn === 0) return;
    this.#write(`\x1b[${this.#drawn}A${'\x1b[2K\n'.repeat(this.#drawn)}\x1b[${this.#drawn}A`);
    this.#drawn = 0;
  }
}

/** `eu-1  apply  1,200/2,000 writes  350/s`. */
function describe(target: string, state: TargetProgress, now: number, width: number): string {
  const name = target.padEnd(width);
  if (state.phase !== 'apply' && state.phase !== 'restore') return `${name}  ${state.phase}`;
  const seconds = state.writingSince === null ? 0 : (now - state.writingSince) / 1000;
  const rate = seconds >= 1 ? `  ${Math.round(state.done / seconds).toLocaleString('en-US')}/s` : '';
  return `${name}  ${state.phase}  ${state.done.toLocaleString('en-US')}/${state.total.toLocaleString('en-US')} writes${rate}`;
}
