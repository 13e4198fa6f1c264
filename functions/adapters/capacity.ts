import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand, TransactGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What DynamoDB billed for one call, as it reports it with
 * `ReturnConsumedCapacity: 'TOTAL'`: read and write units, per table touched.
 * Failed calls report nothing (DynamoDB returns no capacity with an error,
 * though a failed conditional write is billed), so a meter counts the calls
 * that succeeded.
 */
export interface ConsumedUnits {
  /** the command's name without `Command`: `Put`, `TransactWrite`, `Query`, … */
  operation: string;
  table: string;
  readUnits: number;
  writeUnits: number;
}

/** A meter for the units an adapter's calls consume (the bench's cost model, an operator's metrics). */
export type OnConsumed = (consumed: ConsumedUnits) => void;

interface Capacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** The commands that read; `TOTAL` gives one figure, read or write units by the operation. By class, not name: bundles are minified. */
const READS = [GetCommand, BatchGetCommand, QueryCommand, ScanCommand, TransactGetCommand];

/**
 * The client an adapter sends through: every call asks DynamoDB for the
 * capacity it consumed (`ReturnConsumedCapacity: 'TOTAL'`, always, so what is
 * billed can be counted wherever the adapter runs), and reports it to
 * `onConsumed` when given. Everything else is the client as it was.
 */
export function meteredClient(client: DynamoDBDocumentClient, onConsumed?: OnConsumed): DynamoDBDocumentClient {
  const send = async (command: { input: Record<string, unknown>; constructor: { name: string } }, ...rest: unknown[]) => {
    command.input.ReturnConsumedCapacity = 'TOTAL';
    const output = await (client.send as (...args: unknown[]) => Promise<{ ConsumedCapacity?: Capacity | Capacity[] } | undefined>)(command, ...rest);
    if (onConsumed && output?.ConsumedCapacity !== undefined) {
      const operation = command.constructor.name.replace(/Command$/, '');
      const reading = READS.some((Read) => command instanceof Read);
      for (const capacity of [output.ConsumedCapacity].flat()) {
        const total = capacity.CapacityUnits ?? 0;
        onConsumed({
          operation,
          table: capacity.TableName ?? '',
          readUnits: capacity.ReadCapacityUnits ?? (reading ? total : 0),
          writeUnits: capacity.WriteCapacityUnits ?? (reading ? 0 : total),
        });
      }
    }
    return output;
  };
  return Object.assign(Object.create(client) as DynamoDBDocumentClient, { send });
}
