import { describe, expect, it } from 'vitest';
import { forEachConcurrently, mapConcurrently } from '../../../functions/commons/concurrency.ts';

/**
 * Tasks that finish only when the test says so: the test sees which items
 * are in flight at each step, with no timers involved.
 */
function gatedTasks<T>() {
  const inFlight = new Map<T, { resolve: () => void; reject: (error: unknown) => void }>();
  const started: T[] = [];
  let most = 0;
  const task = (item: T) =>
    new Promise<void>((resolve, reject) => {
      started.push(item);
      inFlight.set(item, {
        resolve: () => {
          inFlight.delete(item);
          resolve();
        },
        reject: (error) => {
          inFlight.delete(item);
          reject(error);
        },
      });
      most = Math.max(most, inFlight.size);
    });
  return { task, inFlight, started, most: () => most };
}

/** Lets every promise callback queued so far run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachConcurrently', () => {
  it('runs every item once, never more than the limit at a time, starting them in order', async () => {
    const gate = gatedTasks<number>();
    const items = [1, 2, 3, 4, 5, 6, 7];

    const run = forEachConcurrently(items, 3, gate.task);
    await settle();
    expect([...gate.inFlight.keys()]).toEqual([1, 2, 3]);
    while (gate.inFlight.size > 0) {
      // finish the oldest in flight; the next item takes its place
      gate.inFlight.values().next().value!.resolve();
      await settle();
      expect(gate.inFlight.size).toBeLessThanOrEqual(3);
    }
    await run;

    expect(gate.started).toEqual(items);
    expect(gate.most()).toBe(3);
  });

  it('keeps the limit full: a finished item is replaced at once, whichever finishes first', async () => {
    const gate = gatedTasks<string>();

    const run = forEachConcurrently(['a', 'b', 'c', 'd'], 2, gate.task);
    await settle();
    gate.inFlight.get('b')!.resolve();
    await settle();

    expect([...gate.inFlight.keys()]).toEqual(['a', 'c']);
    gate.inFlight.get('a')!.resolve();
    await settle();
    gate.inFlight.get('c')!.resolve();
    gate.inFlight.get('d')!.resolve();
    await run;
    expect(gate.started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('runs one at a time when the limit is below one', async () => {
    const gate = gatedTasks<number>();

    const run = forEachConcurrently([1, 2], 0, gate.task);
    await settle();
    expect([...gate.inFlight.keys()]).toEqual([1]);
    gate.inFlight.get(1)!.resolve();
    await settle();
    gate.inFlight.get(2)!.resolve();
    await run;

    expect(gate.most()).toBe(1);
  });

  it('does nothing for no items', async () => {
    const gate = gatedTasks<number>();

    await forEachConcurrently([], 4, gate.task);

    expect(gate.started).toEqual([]);
  });

  it('after the first error starts no more items, lets those in flight finish, then throws that error', async () => {
    const gate = gatedTasks<number>();
    const failure = new Error('item 2 failed');
    let settled = false;

    const run = forEachConcurrently([1, 2, 3, 4, 5], 2, gate.task).finally(() => (settled = true));
    run.catch(() => undefined);
    await settle();
    gate.inFlight.get(2)!.reject(failure);
    await settle();

    expect([...gate.inFlight.keys()]).toEqual([1]);
    expect(settled).toBe(false);
    gate.inFlight.get(1)!.reject(new Error('a later error'));
    await expect(run).rejects.toBe(failure);
    expect(gate.started).toEqual([1, 2]);
  });

  it('once the signal is aborted starts no more items and ends without error when those in flight finish', async () => {
    const gate = gatedTasks<number>();
    const abort = new AbortController();

    const run = forEachConcurrently([1, 2, 3, 4], 2, gate.task, abort.signal);
    await settle();
    abort.abort();
    gate.inFlight.get(1)!.resolve();
    await settle();
    expect([...gate.inFlight.keys()]).toEqual([2]);
    gate.inFlight.get(2)!.resolve();
    await run;

    expect(gate.started).toEqual([1, 2]);
  });
});

/** Tasks that answer `item * 10` only when the test says so. */
function gatedAnswers() {
  const inFlight = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  const started: number[] = [];
  let most = 0;
  const task = (item: number) =>
    new Promise<number>((resolve, reject) => {
      started.push(item);
      inFlight.set(item, {
        resolve: () => {
          inFlight.delete(item);
          resolve(item * 10);
        },
        reject: (error) => {
          inFlight.delete(item);
          reject(error);
        },
      });
      most = Math.max(most, inFlight.size);
    });
  return { task, inFlight, started, most: () => most };
}

describe('mapConcurrently', () => {
  it('answers each item’s result in the items’ order, whatever order they finish in', async () => {
    // Prepare
    const gate = gatedAnswers();

    // Act: finish the newest in flight first, every time
    const run = mapConcurrently([1, 2, 3, 4, 5], 2, gate.task);
    await settle();
    while (gate.inFlight.size > 0) {
      [...gate.inFlight.values()].at(-1)!.resolve();
      await settle();
    }

    // Assess
    expect(await run).toEqual([10, 20, 30, 40, 50]);
    expect(gate.started).toEqual([1, 2, 3, 4, 5]);
  });

  it('never has more than the limit in flight, and keeps it full', async () => {
    // Prepare
    const gate = gatedAnswers();

    // Act
    const run = mapConcurrently([1, 2, 3, 4, 5, 6], 3, gate.task);
    await settle();
    const first = [...gate.inFlight.keys()];
    gate.inFlight.get(2)!.resolve();
    await settle();
    const second = [...gate.inFlight.keys()];
    while (gate.inFlight.size > 0) {
      gate.inFlight.values().next().value!.resolve();
      await settle();
    }
    await run;

    // Assess
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 3, 4]);
    expect(gate.most()).toBe(3);
  });

  it('answers nothing for no items', async () => {
    const gate = gatedAnswers();

    expect(await mapConcurrently([], 4, gate.task)).toEqual([]);
    expect(gate.started).toEqual([]);
  });

  it('after the first error starts no more items, lets those in flight finish, then throws that error', async () => {
    // Prepare
    const gate = gatedAnswers();
    const failure = new Error('item 1 failed');
    let settled = false;

    // Act
    const run = mapConcurrently([1, 2, 3, 4], 2, gate.task).finally(() => (settled = true));
    run.catch(() => undefined);
    await settle();
    gate.inFlight.get(1)!.reject(failure);
    await settle();
    const inFlightAfterFailure = [...gate.inFlight.keys()];
    const settledBeforeTheRest = settled;
    gate.inFlight.get(2)!.resolve();

    // Assess
    await expect(run).rejects.toBe(failure);
    expect(inFlightAfterFailure).toEqual([2]);
    expect(settledBeforeTheRest).toBe(false);
    expect(gate.started).toEqual([1, 2]);
  });
});
