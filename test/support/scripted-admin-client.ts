import type { AdminClient, AdminRequest } from '../../src/sync/targets/apisix/client.js';

/** One answer of a scripted Admin API client. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * An Admin API client of target `edge` that answers each request with what `answer` returns for
 * it (a thrown error fails the request); `asked` records each request as `METHOD path`. For cases
 * of a target's read and apply that need no server.
 */
export function answeringClient(answer: (req: AdminRequest) => ScriptedAnswer): AdminClient & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    target: 'edge',
    asked,
    request: async (req: AdminRequest) => {
      asked.push(`${req.method} ${req.path}`);
      const { status, headers, body } = answer(req);
      return { status, headers: headers ?? {}, body: body ?? null };
    },
  } as unknown as AdminClient & { readonly asked: string[] };
}

/** A client that answers each request with the next of `answers`, and fails a request past the last. */
export function scriptedClient(answers: readonly ScriptedAnswer[]): AdminClient & { readonly asked: string[] } {
  const queue = [...answers];
  return answeringClient((req) => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`unexpected ${req.method} ${req.path}`);
    return next;
  });
}
