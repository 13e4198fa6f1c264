import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import type { Owner } from '#core/lead.ts';
import type { StallCutoff, StalledRecord } from '#core/reports/stalled.ts';
import { leadIdOfPartition, OPEN_STAGE, openStageKey, profileKey, STAGE_SINCE, STALLED_INDEX, STALLED_SHARDS } from '#core/table-layout.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface StalledLeadsSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

/** Index partitions (a stage's shard) read at once: each is one Query (or a few pages of one). */
const PARTITIONS_AT_ONCE = 8;
/** Index items read per page: a page past the filters' matches costs little, and a team's rows are found in a few. */
const PAGE_SIZE = 100;

export interface StalledRead {
  cutoffs: readonly StallCutoff[];
  team?: string | undefined;
  rep?: string | undefined;
  /** at most this many leads of each stage's shard are read (the report shows at most this many, and knows there are more) */
  atMost: number;
}

/**
 * The stalled-leads index read back (never a scan): per stage and shard one
 * Query of the leads that entered the stage before its cutoff, oldest first,
 * filtered by owner, stopping at `atMost`; then the profiles of the oldest
 * `atMost` of all for their name, company and email, read in one BatchGetItem.
 * The index is eventually consistent: a lead whose profile no longer says it
 * is in that stage since then has moved on, and is left out.
 */
export function createStalledLeads({ client: sdkClient, leadsTable, onConsumed }: StalledLeadsSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  return {
    async stalledLeads({ cutoffs, team, rep, atMost }: StalledRead): Promise<StalledRecord[]> {
      const parts = cutoffs.flatMap((cutoff) => Array.from({ length: STALLED_SHARDS }, (_, shard) => ({ ...cutoff, partition: openStageKey(cutoff.stage, shard) })));
      const found: { leadId: string; stage: StallCutoff['stage']; since: string; owner?: Owner }[] = [];
      const filters = [...(team !== undefined ? ['#owner.teamId = :team'] : []), ...(rep !== undefined ? ['#owner.repId = :rep'] : [])];
      await forEachConcurrently(parts, PARTITIONS_AT_ONCE, async ({ stage, before, partition }) => {
        let matched = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: leadsTable,
              IndexName: STALLED_INDEX,
              KeyConditionExpression: '#open = :open AND #since < :before',
              ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
              ExpressionAttributeNames: { '#open': OPEN_STAGE, '#since': STAGE_SINCE, ...(filters.length > 0 && { '#owner': 'owner' }) },
              ExpressionAttributeValues: { ':open': partition, ':before': before, ...(team !== undefined && { ':team': team }), ...(rep !== undefined && { ':rep': rep }) },
              Limit: PAGE_SIZE,
              ...(start && { ExclusiveStartKey: start }),
            }),
          );
          for (const item of page.Items ?? []) {
            if (matched >= atMost) break;
            matched += 1;
            found.push({ leadId: leadIdOfPartition(String(item.pk)), stage, since: String(item[STAGE_SINCE]), ...(item.owner !== undefined && { owner: item.owner as Owner }) });
          }
          start = page.LastEvaluatedKey;
        } while (start && matched < atMost);
      });
      const oldest = found.sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0)).slice(0, atMost);
      if (oldest.length === 0) return [];
      // whole profiles (a projection would not read fewer units: they are billed by item size)
      const profiles = await batchGetAll(leadsTable, oldest.map((lead) => profileKey(lead.leadId)));
      const byLead = new Map(profiles.map((item) => [leadIdOfPartition(String(item.pk)), item]));
      return oldest.flatMap((lead): StalledRecord[] => {
        const profile = byLead.get(lead.leadId);
        // moved on (or merged away) since the index was written
        if (!profile || profile[OPEN_STAGE] === undefined || !String(profile[OPEN_STAGE]).startsWith(`${lead.stage}#`) || profile[STAGE_SINCE] !== lead.since) return [];
        const owner = (profile.owner ?? lead.owner) as Owner | undefined;
        return [{ leadId: lead.leadId, stage: lead.stage, since: lead.since, owner, email: typeof profile.email === 'string' ? profile.email : undefined, traits: (profile.traits ?? {}) as Record<string, unknown> }];
      });
    },
  };
}

export type StalledLeads = ReturnType<typeof createStalledLeads>;
