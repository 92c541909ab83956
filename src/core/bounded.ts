/**
 * Runs `work` over `items` with at most `limit` in flight. After the first failure, or once
 * `signal` aborts, no new item starts; items already in flight finish. Resolves to the first
 * failure (undefined if none; an abort is not a failure: the caller looks at `signal`); never
 * rejects.
 */
export async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<unknown> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && signal?.aborted !== true && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  // Assigned inside the workers, which TypeScript does not see.
  return (failure as { error: unknown } | null)?.error;
}

/**
 * `fn` over `items` with at most `limit` calls in flight; the results keep the input order. After
 * the first failure no call starts, the calls in flight finish, and then the failure is thrown.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let failed = false;
  const failure = await runBounded(
    items.map((item, index) => ({ item, index })),
    limit,
    async ({ item, index }) => {
      try {
        results[index] = await fn(item, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    },
  );
  if (failed) throw failure;
  return results;
}
