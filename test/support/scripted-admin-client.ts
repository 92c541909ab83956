import type { AdminClient } from '../../src/sync/targets/apisix/client.js';

/** One answer of a scripted Admin API client. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * An Admin API client of target `edge` that answers each request with the next of `answers` (and
 * fails a request past the last); `asked` records each request as `METHOD path`. For cases of a
 * target's read and apply that need no server.
 */
export function scriptedClient(answers: readonly ScriptedAnswer[]): AdminClient & { readonly asked: string[] } {
  const queue = [...answers];
  const asked: string[] = [];
  return {
    target: 'edge',
    asked,
    request: (req: { method: string; path: string }) => {
      asked.push(`${req.method} ${req.path}`);
      const next = queue.shift();
      if (next === undefined) return Promise.reject(new Error(`unexpected ${req.method} ${req.path}`));
      return Promise.resolve({ status: next.status, headers: next.headers ?? {}, body: next.body ?? null });
    },
  } as unknown as AdminClient & { readonly asked: string[] };
}
