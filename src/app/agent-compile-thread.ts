/**
 * The agent's compiles, on a worker thread of their own (agent-compile-worker.ts). A compile of a large
 * group keeps a thread busy for seconds; on the agent's main thread that would hold back
 * `/healthz` (a liveness probe that times out restarts the agent) and the signal handlers (a
 * second SIGTERM must exit at once). The worker is started on the first compile, kept for the
 * next ones, and does not keep the process alive while idle.
 */
import type { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import { startModuleWorker } from '../core/module-worker.js';
import { GitError } from '../git/errors.js';
import type { GroupSnapshotOptions } from '../model/group-snapshot.js';
import type { LoadedGroup } from '../model/group-snapshot.js';

export interface CompileRequest {
  readonly id: number;
  readonly options: GroupSnapshotOptions;
}

export type CompileReply =
  | { readonly id: number; readonly ok: true; readonly result: LoadedGroup }
  | {
      readonly id: number;
      readonly ok: false;
      /** The error as plain data: a UserError or GitError keeps its kind and hint. */
      readonly error: { readonly kind: 'user' | 'git' | 'internal'; readonly message: string; readonly hint?: string; readonly stack?: string };
    };

interface Pending {
  resolve(result: LoadedGroup): void;
  reject(error: unknown): void;
}

export class CompileThread {
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  /** `loadGroupSnapshot(options)` on the worker: the same result, or the same kind of error. */
  load(options: GroupSnapshotOptions): Promise<LoadedGroup> {
    const worker = (this.#worker ??= this.#start());
    const id = this.#next++;
    return new Promise<LoadedGroup>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, options } satisfies CompileRequest);
    });
  }

  /** Stops the worker; a compile still running is rejected. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) await worker.terminate();
  }

  #start(): Worker {
    const worker = startModuleWorker(import.meta.url, 'agent-compile-worker');
    worker.on('message', (reply: CompileReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (pending === undefined) return;
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(rebuild(reply.error));
    });
    const fail = (error: unknown) => {
      if (this.#worker === worker) this.#worker = null;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the compile worker stopped (exit code ${code})`)));
    return worker;
  }
}

function rebuild(error: Extract<CompileReply, { ok: false }>['error']): Error {
  if (error.kind === 'user') return new UserError(error.message, error.hint);
  if (error.kind === 'git') return new GitError(error.message, error.hint !== undefined ? { hint: error.hint } : {});
  const rebuilt = new Error(error.message);
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
