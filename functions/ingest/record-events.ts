import { forEachConcurrently } from '#commons/concurrency.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import type { EventRecord } from '#core/records.ts';

export interface RecordEventsPorts {
  putEventOnce: (event: EventRecord) => Promise<boolean>;
}

const CONCURRENCY = 16;

/**
 * Stores each event once. The whole hot path: one conditional write per event;
 * scoring happens downstream, from the table's stream.
 */
export async function recordEvents(events: readonly StoredEvent[], ports: RecordEventsPorts): Promise<{ stored: number; duplicates: number }> {
  let stored = 0;
  await forEachConcurrently(events, CONCURRENCY, async (event) => {
    if (await ports.putEventOnce({ ...event, kind: 'tracking' })) stored += 1;
  });
  return { stored, duplicates: events.length - stored };
}
