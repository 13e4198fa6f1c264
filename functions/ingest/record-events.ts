import type { StoredEvent } from '#core/tracking-event.ts';
import type { EventRecord } from '#core/records.ts';

export interface RecordEventsPorts {
  /** Stores each event once, writing none when one cannot be stored (see the event store); says which were new. */
  putEventsOnce: (events: readonly EventRecord[]) => Promise<boolean[]>;
}

/**
 * Stores each event once. The whole hot path: one conditional write per event;
 * scoring happens downstream, from the table's stream.
 */
export async function recordEvents(events: readonly StoredEvent[], ports: RecordEventsPorts): Promise<{ stored: number; duplicates: number }> {
  const stored = (await ports.putEventsOnce(events.map((event) => ({ ...event, kind: 'tracking' as const })))).filter(Boolean).length;
  return { stored, duplicates: events.length - stored };
}
