import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CycleRef } from '#core/cycle.ts';
import { openJourneyPartitions, RESUMES, type ReconciledCycle } from '#core/reconcile.ts';
import { cycleKey, leadIdOfPartition, OPEN_STAGE, profileKey, STAGE_SINCE, STALLED_INDEX } from '#core/table-layout.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface OpenCyclesSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

/** Index entries read per page: each page's cycles are then read in one BatchGetItem. */
const PAGE_SIZE = 100;

/** The cycle number of a cycle item's sort key (`CYCLE#0001`). */
const cycleNumberOf = (sk: string): number => Number(sk.slice(sk.indexOf('#') + 1));

/** The condition that the resumption count is still `resumes` (absent is 0). */
function resumesAre(resumes: number) {
  return resumes === 0
    ? { condition: `attribute_not_exists(${RESUMES})`, values: {} }
    : { condition: `${RESUMES} = :resumes`, values: { ':resumes': resumes } };
}

/**
 * The open cycles, read back from the stalled index's journey partitions
 * (core/reconcile.ts): never a scan of the leads. Each page of index entries
 * (keys only) is followed by a consistent read of those cycles.
 */
export function createOpenCycles({ client: sdkClient, leadsTable, onConsumed }: OpenCyclesSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  /** A conditional update of a cycle: false when its condition did not hold. */
  async function updateIf(update: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await client.send(new UpdateCommand({ TableName: leadsTable, ...update }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
  return {
    /** The open cycles, a page at a time, oldest first within each shard. */
    async *openCycles(): AsyncGenerator<ReconciledCycle[]> {
      for (const partition of openJourneyPartitions()) {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: leadsTable,
              IndexName: STALLED_INDEX,
              KeyConditionExpression: '#open = :open',
              ExpressionAttributeNames: { '#open': OPEN_STAGE },
              ExpressionAttributeValues: { ':open': partition },
              Limit: PAGE_SIZE,
              ...(start && { ExclusiveStartKey: start }),
            }),
          );
          const keys = (page.Items ?? []).map((item) => cycleKey(leadIdOfPartition(String(item.pk)), cycleNumberOf(String(item.sk))));
          start = page.LastEvaluatedKey;
          if (keys.length === 0) continue;
          const items = await batchGetAll(leadsTable, keys, { consistentRead: true });
          // still in the index as the item says (the index lags its table)
          yield items.filter((item) => item[OPEN_STAGE] === partition).map(({ pk: _pk, sk: _sk, [OPEN_STAGE]: _open, [STAGE_SINCE]: _since, ...cycle }) => cycle as unknown as ReconciledCycle);
        } while (start);
      }
    },

    /**
     * Claims the cycle's next resumption: its count goes from `from` to
     * `from + 1`, only while it is `from` and the cycle is open. True for the
     * one reconciler whose claim was written.
     */
    async claimResume({ leadId, cycle }: CycleRef, from: number): Promise<boolean> {
      const { condition, values } = resumesAre(from);
      return updateIf({
        Key: cycleKey(leadId, cycle),
        UpdateExpression: `SET ${RESUMES} = :next`,
        ConditionExpression: `attribute_exists(${OPEN_STAGE}) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto) AND ${condition}`,
        ExpressionAttributeValues: { ...values, ':next': from + 1 },
      });
    },

    /** Whether the lead was merged into another: its profile says so (a merge retires it last). */
    async leadMergedAway(leadId: string): Promise<boolean> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ProjectionExpression: 'mergedInto', ConsistentRead: true }));
      return Item?.mergedInto !== undefined;
    },

    /** Takes an ended cycle out of the index, unless a resumption was claimed since it was read. */
    async closeOpenCycle({ leadId, cycle }: CycleRef, resumes: number): Promise<void> {
      const { condition, values } = resumesAre(resumes);
      await updateIf({
        Key: cycleKey(leadId, cycle),
        UpdateExpression: `REMOVE ${OPEN_STAGE}, ${STAGE_SINCE}`,
        ConditionExpression: `attribute_exists(pk) AND ${condition}`,
        ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
      });
    },
  };
}

export type OpenCycles = ReturnType<typeof createOpenCycles>;
