/**
 * SIGINT and SIGTERM while a command writes to gateways (sync, rollout): the first aborts the run
 * (no new write starts, the writes in flight finish, the current batch is taken back), a second
 * exits at once naming the targets that were being written.
 */
import type { SyncEvent } from '../sync/sync.js';
import { SIGNAL_EXIT } from './base.js';

export interface SignalStop {
  readonly signal: AbortSignal;
  readonly onEvent: (event: SyncEvent) => void;
  /** Removes the handlers. */
  release(): void;
}

export function signalExit(by: string): number {
  return by === 'SIGTERM' ? SIGNAL_EXIT.SIGTERM : SIGNAL_EXIT.SIGINT;
}

/**
 * SIGINT and SIGTERM during a sync. The first aborts the sync (no new write starts, the writes in
 * flight finish, the current batch is taken back, the report is printed, exit 130/143). A second
 * exits at once and names the targets that were being written: those may hold a mix of the old
 * and the new configuration until the next sync.
 */
export function stopOnSignals(): SignalStop {
  const controller = new AbortController();
  const writing = new Set<string>();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      process.stderr.write(
        `tagway: ${signal}: stopping; no new write starts, the writes in flight finish and the targets of the current batch are taken back to their state before the run (${signal} again exits at once)\n`,
      );
      controller.abort(signal);
      return;
    }
    const mixed = [...writing].sort();
    process.stderr.write(
      mixed.length === 0
        ? `tagway: ${signal} again: exiting now; no target was being written\n`
        : `tagway: ${signal} again: exiting now; ${mixed.join(', ')} ${mixed.length === 1 ? 'was' : 'were'} being written and may hold a mix of the old and the new configuration ` +
            '(tagway status --live shows a target as mixed); the next tagway sync, or the agent, takes them to the snapshot\n',
    );
    process.exit(signalExit(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === 'writes-started') writing.add(event.target);
      else if (event.type === 'writes-ended') writing.delete(event.target);
    },
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
