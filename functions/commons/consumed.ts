import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

/** Capacity units a DynamoDB call consumed, split by what is billed: read and write request units. */
export interface ConsumedUnits {
  read: number;
  write: number;
}

/** Told the units of each DynamoDB call an adapter makes (a meter: metrics in a function, a counter in a bench). */
export type OnConsumed = (units: ConsumedUnits) => void;

/** Asked of every DynamoDB call, so that what it consumed can be counted. */
export const RETURN_CONSUMED = { ReturnConsumedCapacity: 'TOTAL' } as const;

function total(consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined): number {
  if (consumed === undefined) return 0;
  const list: readonly ConsumedCapacity[] = Array.isArray(consumed) ? consumed : [consumed as ConsumedCapacity];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

/**
 * What an adapter reports with: `TOTAL` gives one figure per table, and
 * whether it is read or write units follows from the operation, so the
 * adapter says which. Nothing is reported when nobody listens or DynamoDB
 * returned nothing (a refused condition carries no capacity in its error).
 */
export function meter(onConsumed: OnConsumed | undefined) {
  const report = (kind: keyof ConsumedUnits, consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined) => {
    if (!onConsumed) return;
    const units = total(consumed);
    if (units > 0) onConsumed(kind === 'read' ? { read: units, write: 0 } : { read: 0, write: units });
  };
  return {
    read: (consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined) => report('read', consumed),
    write: (consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined) => report('write', consumed),
  };
}
