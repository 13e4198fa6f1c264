/**
 * Runs `task` for each item (with its index) with at most `concurrency` in
 * flight, starting items in order. Stops starting new items once `signal` is
 * aborted or a task failed; the first error is thrown once those in flight end.
 */
async function runConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined && !signal?.aborted) {
      const index = next++;
      try {
        await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.error;
}

/**
 * Runs `task` for each item with at most `concurrency` in flight. Stops
 * starting new items once `signal` is aborted (items in flight finish).
 * The first error stops new items and is thrown once those in flight end.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  await runConcurrently(items, concurrency, (item) => task(item), signal);
}

/**
 * The result of `task` for each item, in the items' order whatever order
 * they finish in, with at most `concurrency` in flight. The first error
 * stops new items and is thrown once those in flight end (no partial result).
 */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await runConcurrently(items, concurrency, async (item, index) => {
    results[index] = await task(item);
  });
  return results;
}
