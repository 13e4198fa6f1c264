import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import type { Owner } from '#core/lead.ts';
import type { StallCutoff, StalledRecord } from '#core/reports/stalled.ts';
import { leadIdOfPartition, OPEN_STAGE, openStageKey, profileKey, STAGE_SINCE, STALLED_INDEX, STALLED_SHARDS } from '#core/table-layout.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

/** Index partitions (a stage's shard) read at once: every watched stage's shards (5 × 4) in one round. */
const PARTITIONS_AT_ONCE = 20;
/** Index items read per page: a page past the filters' matches costs little, and a team's rows are found in a few. */
const PAGE_SIZE = 100;

export interface StalledLeadsSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
  /** Index items evaluated per Query page. @default 100 */
  pageSize?: number;
}

export interface StalledRead {
  cutoffs: readonly StallCutoff[];
  team?: string | undefined;
  rep?: string | undefined;
  /** at most this many leads are answered, the oldest (the report shows at most this many, and knows there are more) */
  atMost: number;
}

type Found = { leadId: string; stage: StallCutoff['stage']; since: string; owner?: Owner };

/**
 * The stalled-leads index read back (never a scan): the leads of each stage's
 * shards that entered the stage before its cutoff, oldest first, filtered by
 * owner, merged across partitions until the oldest `atMost` of all are known;
 * then their profiles for name, company and email, in one BatchGetItem. The
 * index is eventually consistent: a lead whose profile no longer says it is
 * in that stage since then has moved on, and is left out.
 *
 * Each partition is read a page at a time, every open partition in a round. A
 * partition is done when it has nothing more, when it has given `atMost`
 * matches, or when everything it has left entered its stage after the
 * `atMost`-th oldest match found so far (its pages come oldest first): so a
 * filter that matches one lead in twenty reads about twenty times `atMost`
 * items in all, not in each of the twenty partitions.
 */
export function createStalledLeads({ client: sdkClient, leadsTable, onConsumed, pageSize = PAGE_SIZE }: StalledLeadsSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  return {
    async stalledLeads({ cutoffs, team, rep, atMost }: StalledRead): Promise<StalledRecord[]> {
      const filters = [...(team !== undefined ? ['#owner.teamId = :team'] : []), ...(rep !== undefined ? ['#owner.repId = :rep'] : [])];
      const parts = cutoffs.flatMap((cutoff) =>
        Array.from({ length: STALLED_SHARDS }, (_, shard) => ({ ...cutoff, partition: openStageKey(cutoff.stage, shard), matched: 0, start: undefined as Record<string, unknown> | undefined, done: false })),
      );
      const found: Found[] = [];
      /** what a partition not yet read to its end may still hold is no older than this */
      const frontier = (part: (typeof parts)[number]) => (part.start === undefined ? '' : String(part.start[STAGE_SINCE]));
      /** the `atMost`-th oldest match so far: nothing that entered later can be answered */
      const worstKept = () => (found.length < atMost ? undefined : found.map((f) => f.since).sort()[atMost - 1]);
      for (;;) {
        const bound = worstKept();
        const open = parts.filter((part) => !part.done && (bound === undefined || frontier(part) < bound));
        if (open.length === 0) break;
        await forEachConcurrently(open, PARTITIONS_AT_ONCE, async (part) => {
          const page = await client.send(
            new QueryCommand({
              TableName: leadsTable,
              IndexName: STALLED_INDEX,
              KeyConditionExpression: '#open = :open AND #since < :before',
              ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
              ExpressionAttributeNames: { '#open': OPEN_STAGE, '#since': STAGE_SINCE, ...(filters.length > 0 && { '#owner': 'owner' }) },
              ExpressionAttributeValues: { ':open': part.partition, ':before': part.before, ...(team !== undefined && { ':team': team }), ...(rep !== undefined && { ':rep': rep }) },
              Limit: pageSize,
              ...(part.start && { ExclusiveStartKey: part.start }),
            }),
          );
          for (const item of page.Items ?? []) {
            if (part.matched >= atMost) break;
            part.matched += 1;
            found.push({ leadId: leadIdOfPartition(String(item.pk)), stage: part.stage, since: String(item[STAGE_SINCE]), ...(item.owner !== undefined && { owner: item.owner as Owner }) });
          }
          part.start = page.LastEvaluatedKey;
          part.done = part.start === undefined || part.matched >= atMost;
        });
      }
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
