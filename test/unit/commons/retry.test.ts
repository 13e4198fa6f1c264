import { describe, expect, it } from 'vitest';
import { ConcurrentUpdateError, NotFoundError } from '../../../functions/commons/errors.ts';
import { retryOnConflict } from '../../../functions/commons/retry.ts';

/** A task that fails with the given errors, one per attempt, then answers `value`. */
function failingWith(errors: readonly Error[], value = 'done') {
  const calls: number[] = [];
  const task = async (attempt: number) => {
    calls.push(attempt);
    const error = errors[calls.length - 1];
    if (error) throw error;
    return value;
  };
  return { task, calls };
}

describe('retryOnConflict', () => {
  it('answers the first attempt’s result without retrying', async () => {
    const { task, calls } = failingWith([]);

    await expect(retryOnConflict(5, task)).resolves.toBe('done');

    expect(calls).toEqual([1]);
  });

  it('tries again after a concurrent update, telling the task which attempt it is', async () => {
    const { task, calls } = failingWith([new ConcurrentUpdateError('lead L1'), new ConcurrentUpdateError('lead L1')]);

    await expect(retryOnConflict(5, task)).resolves.toBe('done');

    expect(calls).toEqual([1, 2, 3]);
  });

  it('gives up after the given number of attempts and throws the last conflict', async () => {
    const conflicts = [1, 2, 3].map((n) => new ConcurrentUpdateError(`lead L${n}`));
    const { task, calls } = failingWith(conflicts);

    await expect(retryOnConflict(3, task)).rejects.toBe(conflicts[2]);

    expect(calls).toEqual([1, 2, 3]);
  });

  it('succeeds on the last attempt allowed', async () => {
    const { task, calls } = failingWith([new ConcurrentUpdateError('lead L1'), new ConcurrentUpdateError('lead L1')]);

    await expect(retryOnConflict(3, task)).resolves.toBe('done');

    expect(calls).toEqual([1, 2, 3]);
  });

  it('rethrows any other error at once, without retrying', async () => {
    const other = new NotFoundError('no such lead');
    const { task, calls } = failingWith([other]);

    await expect(retryOnConflict(5, task)).rejects.toBe(other);

    expect(calls).toEqual([1]);
  });

  it('rethrows another error that follows a conflict', async () => {
    const other = new Error('DynamoDB is unavailable');
    const { task, calls } = failingWith([new ConcurrentUpdateError('lead L1'), other]);

    await expect(retryOnConflict(5, task)).rejects.toBe(other);

    expect(calls).toEqual([1, 2]);
  });

  it('refuses an attempt count below one, naming it, before running the task', async () => {
    const { task, calls } = failingWith([]);

    await expect(retryOnConflict(0, task)).rejects.toThrow('attempts must be a positive integer, got 0');

    expect(calls).toEqual([]);
  });
});
