/**
 * The worker thread of agent-compile-thread.ts: loads group snapshots (`loadGroupSnapshot`) one request
 * at a time and answers each with the result, or with the error as plain data.
 */
import { parentPort } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import { loadGroupSnapshot } from './group-snapshot.js';
import { GitError } from '../git/errors.js';
import type { CompileReply, CompileRequest } from './agent-compile-thread.js';

parentPort?.on('message', (request: CompileRequest) => {
  void loadGroupSnapshot(request.options).then(
    (result) => parentPort?.postMessage({ id: request.id, ok: true, result } satisfies CompileReply),
    (error: unknown) => parentPort?.postMessage({ id: request.id, ok: false, error: describe(error) } satisfies CompileReply),
  );
});

function describe(error: unknown): Extract<CompileReply, { ok: false }>['error'] {
  if (error instanceof UserError) return { kind: 'user', message: error.message, ...(error.hint !== undefined ? { hint: error.hint } : {}) };
  if (error instanceof GitError) return { kind: 'git', message: error.message, ...(error.hint !== undefined ? { hint: error.hint } : {}) };
  if (error instanceof Error) return { kind: 'internal', message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}) };
  return { kind: 'internal', message: String(error) };
}
