import { ConcurrentUpdateError } from './errors.ts';

/**
 * Runs `fn` up to `attempts` times, again at once whenever it fails with a
 * ConcurrentUpdateError (another writer changed the item between our read and
 * our conditional write; `fn` reads again and redoes its work). Any other
 * error, or the conflict of the last attempt, is thrown as it is.
 */
export async function retryOnConflict<T>(attempts: number, fn: (attempt: number) => Promise<T>): Promise<T> {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= attempts) throw error;
    }
  }
}
