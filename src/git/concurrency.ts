/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order.
 * isomorphic-git reads are mostly waiting on the file system, so a few dozen concurrent reads
 * sharing one cache are ≈2× faster than one at a time (measured: 7.7 s → 3.4 s at 32 for 21k blobs).
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Concurrency of object reads across the module. */
export const READ_CONCURRENCY = 32;
