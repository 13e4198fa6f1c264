import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '#commons/errors.ts';
import { funnelIncrements, type FunnelCounters } from '#core/funnel.ts';
import type { Lead, Owner } from '#core/lead.ts';
import type { IdentityKey } from '#core/identity.ts';
import type { Outcome } from '#core/outcomes.ts';
import type { StageChange } from '#core/lifecycle.ts';
import type { Cycle, CycleEscalation } from '#core/cycle.ts';
import type { LeadUpdate, VersionedLead } from '#core/records.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import {
  cycleKey,
  FUNNEL_SHARDS,
  funnelKeys,
  funnelShardKey,
  funnelShardOf,
  identityKey,
  identityOfPartition,
  markerKey,
  MAX_FUNNEL_SHARDS,
  messageIdOfMarker,
  profileKey,
} from '#core/table-layout.ts';
import { EscalationStepName } from '#core/journey-contract.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The condition under which a rep's decision may be written on the cycle:
 * the rep owns it now, nothing was decided, and the ladder has not sent the
 * lead back to marketing. The escalation's writes have the mirror condition
 * (no decision), so whichever is written first stands.
 */
export function openForDecision(repId: string) {
  return {
    ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled)',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':rep': repId },
  };
}

export interface LeadStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /**
   * How many items the funnel counters are spread over; each lead adds to one,
   * chosen from its id. Every writer and reader of a table must agree on it.
   * @default FUNNEL_SHARDS (core/table-layout.ts)
   */
  funnelShards?: number;
  /** told the read and write units of every call (each asks for them) */
  onConsumed?: OnConsumed;
}

export type LeadStore = ReturnType<typeof createLeadStore>;

/**
 * The leads table: each lead's profile with its version, the markers of the
 * events it applied, identity links, cycles and the funnel counters.
 */
export function createLeadStore({ client: sdkClient, leadsTable, funnelShards = FUNNEL_SHARDS, onConsumed }: LeadStoreSettings) {
  if (!Number.isInteger(funnelShards) || funnelShards < 1 || funnelShards > MAX_FUNNEL_SHARDS) {
    throw new RangeError(`funnelShards must be an integer from 1 to ${MAX_FUNNEL_SHARDS}, got ${funnelShards}`);
  }
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  /** The shard of the funnel counters this lead adds to. */
  const funnelShardKeyOf = (leadId: string) => funnelShardKey(funnelShardOf(leadId, funnelShards));

  async function getLead(leadId: string): Promise<VersionedLead | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, version, ...lead } = Item;
    return { lead: lead as Lead, version: Number(version) };
  }

  /**
   * The lead an identity is linked to. The scoring path writes the link in the
   * same transaction as the lead, so a link found here always has its lead.
   */
  async function leadIdOf(identity: IdentityKey): Promise<string | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: identityKey(identity) }));
    return typeof Item?.leadId === 'string' ? Item.leadId : undefined;
  }

  /** The identity keys already linked to a lead, with the lead they point to. */
  async function resolveIdentities(keys: readonly IdentityKey[]): Promise<Map<IdentityKey, string>> {
    const items = await batchGetAll(leadsTable, [...new Set(keys)].map(identityKey), { consistentRead: true });
    return new Map(items.map((item) => [identityOfPartition(String(item.pk)) as IdentityKey, String(item.leadId)]));
  }

  /** Which of these events were already applied to the lead. */
  async function appliedMessageIds(leadId: string, messageIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGetAll(leadsTable, [...new Set(messageIds)].map((id) => markerKey(leadId, id)), { consistentRead: true });
    return new Set(items.map((item) => messageIdOfMarker(String(item.sk))));
  }

  function funnelUpdate(leadId: string, changes: readonly StageChange[], created: boolean): TransactItem | undefined {
    const increments = funnelIncrements(changes, created);
    if (increments.size === 0) return undefined;
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const parts: string[] = [];
    [...increments].forEach(([key, n], i) => {
      names[`#k${i}`] = key;
      values[`:v${i}`] = n;
      parts.push(`#k${i} :v${i}`);
    });
    return {
      Update: {
        TableName: leadsTable,
        Key: funnelShardKeyOf(leadId),
        UpdateExpression: `ADD ${parts.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /**
   * Saves a lead in one transaction with the markers of the events it applied,
   * its identity links and the funnel counters. Refused as a whole when another
   * writer got there first (version) or an event was already applied (marker).
   */
  async function saveLead(update: LeadUpdate): Promise<number> {
    const { lead, version, changes } = update;
    const nextVersion = version + 1;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: leadsTable,
          Item: { ...profileKey(lead.leadId), ...lead, version: nextVersion },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(version !== 0 && { ExpressionAttributeValues: { ':version': version } }),
        },
      },
      ...(update.appliedMessageIds ?? []).map(
        (messageId): TransactItem => ({
          Put: {
            TableName: leadsTable,
            Item: { ...markerKey(lead.leadId, messageId), appliedAt: lead.scoredAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
      ...(update.identities ?? []).map(
        (key): TransactItem => ({
          Put: { TableName: leadsTable, Item: { ...identityKey(key), leadId: lead.leadId } },
        }),
      ),
    ];
    const funnel = funnelUpdate(lead.leadId, changes, version === 0);
    if (funnel) items.push(funnel);
    if (items.length > 100) throw new Error(`a lead update of ${items.length} items exceeds one transaction; apply fewer events at once`);
    const [only] = items;
    try {
      // The profile alone (a rescore that moves no stage) is one conditional put: a transaction costs twice the write units.
      if (items.length === 1 && only?.Put) await client.send(new PutCommand(only.Put));
      else await client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentUpdateError(`lead ${lead.leadId}`, { cause: error });
      }
      throw error;
    }
    return nextVersion;
  }

  /** Clears the pending-journey flag once the journey execution is known to exist. */
  async function clearJourneyPending(leadId: string, cycle: number): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: profileKey(leadId),
          UpdateExpression: 'REMOVE journeyPending SET version = version + :one',
          ConditionExpression: 'journeyPending = :cycle',
          ExpressionAttributeValues: { ':cycle': cycle, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The funnel counters: the sum of every shard (and of the item from before shards), read in one BatchGetItem. */
  async function getFunnelCounters(): Promise<FunnelCounters> {
    const items = await batchGetAll(leadsTable, funnelKeys(funnelShards));
    const counters: FunnelCounters = { reached: {}, current: {} };
    for (const item of items) {
      for (const [key, value] of Object.entries(item)) {
        const [kind, stage] = key.split('.');
        if ((kind === 'reached' || kind === 'current') && stage) {
          const sums = counters[kind] as Record<string, number>;
          sums[stage] = (sums[stage] ?? 0) + Number(value);
        }
      }
    }
    return counters;
  }

  async function getCycle(leadId: string, cycle: number): Promise<Cycle | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: cycleKey(leadId, cycle), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    return rest as Cycle;
  }

  /** Writes a new cycle; never over one that exists (it may carry a decision). */
  async function putCycle(cycle: Cycle): Promise<void> {
    try {
      await client.send(
        new PutCommand({ TableName: leadsTable, Item: { ...cycleKey(cycle.leadId, cycle.cycle), ...cycle }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(`cycle ${cycle.cycle} of lead ${cycle.leadId}`, { cause: error });
      throw error;
    }
  }

  /**
   * Records where the journey waits for the rep. Returns the cycle as it is now:
   * when an outcome is already there, the caller resumes the journey itself.
   */
  async function recordTaskToken(leadId: string, cycle: number, taskToken: string): Promise<Cycle> {
    const { Attributes } = await client.send(
      new UpdateCommand({
        TableName: leadsTable,
        Key: cycleKey(leadId, cycle),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':token': taskToken },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { pk: _pk, sk: _sk, ...rest } = Attributes ?? {};
    return rest as Cycle;
  }

  /**
   * Records a rep's outcome on the cycle, if the rep may still decide (see
   * openForDecision); returns the cycle as it is now (with the journey's
   * token, if waiting): its `outcome` is the decision that stands, if any.
   */
  async function recordOutcome(leadId: string, outcome: Outcome): Promise<Cycle | undefined> {
    const open = openForDecision(outcome.repId);
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: cycleKey(leadId, outcome.cycle),
          UpdateExpression: 'SET outcome = :outcome',
          ...open,
          ExpressionAttributeValues: { ...open.ExpressionAttributeValues, ':outcome': outcome },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { pk: _pk, sk: _sk, ...rest } = Attributes ?? {};
      return rest as Cycle;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return getCycle(leadId, outcome.cycle);
      throw error;
    }
  }

  /**
   * Writes an escalation step on the cycle, only while no decision is recorded,
   * the cycle is not recycled, and `missed` is still the count the step follows
   * from. Returns undefined when written, else the cycle as it is now, for the
   * caller to see why (a decision stands, or a retry finds its step already written).
   */
  async function recordEscalation(leadId: string, cycle: number, missed: number, change: CycleEscalation): Promise<Cycle | undefined> {
    const sets = ['missed = :missed'];
    const values: Record<string, unknown> = { ':missed': missed, ':before': missed - 1 };
    const names: Record<string, string> = {};
    if (change.step === EscalationStepName.recycle) {
      sets.push('recycled = :handover');
      values[':handover'] = change.handover;
    } else {
      sets.push('acceptBy = :acceptBy', 'acceptWithinSeconds = :window');
      Object.assign(values, { ':acceptBy': change.acceptBy, ':window': change.acceptWithinSeconds });
    }
    if (change.step === EscalationStepName.reassign) {
      sets.push('#owner = :owner', 'previousReps = :previousReps', 'reassignments = list_append(if_not_exists(reassignments, :none), :handovers)');
      names['#owner'] = 'owner';
      Object.assign(values, { ':owner': change.owner, ':previousReps': change.previousReps, ':none': [], ':handovers': [change.handover] });
    }
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: cycleKey(leadId, cycle),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND missed = :before',
          ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const current = await getCycle(leadId, cycle);
    if (!current) throw new Error(`cycle ${cycle} of lead ${leadId} does not exist`);
    return current;
  }

  /** Makes a rep the owner of the lead's current cycle (ignored when the lead moved on to another cycle). */
  async function assignOwner(leadId: string, cycle: number, owner: Owner): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: profileKey(leadId),
          UpdateExpression: 'SET #owner = :owner, version = version + :one',
          ConditionExpression: '#cycle = :cycle',
          ExpressionAttributeNames: { '#owner': 'owner', '#cycle': 'cycle' },
          ExpressionAttributeValues: { ':owner': owner, ':cycle': cycle, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Points events and identities at a lead without touching its profile: the
   * markers of events it now owns and the links of identities it now has.
   * Idempotent puts, so a repeated merge writes the same items again.
   */
  async function addMarkersAndLinks(leadId: string, messageIds: readonly string[], identities: readonly IdentityKey[], at: string): Promise<void> {
    const items = [
      ...messageIds.map((messageId) => ({ ...markerKey(leadId, messageId), appliedAt: at })),
      ...identities.map((key) => ({ ...identityKey(key), leadId })),
    ];
    for (let i = 0; i < items.length; i += 25) {
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [leadsTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length > 0) {
        const response = await client.send(new BatchWriteCommand({ RequestItems: request }));
        request = response.UnprocessedItems as typeof request;
      }
    }
  }

  /**
   * Saves a lead retired by a merge (it points at the survivor) and takes it
   * out of the funnel's current counts, refused when the lead changed since read.
   */
  async function retireLead(lead: Lead, version: number): Promise<void> {
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: leadsTable,
                Item: { ...profileKey(lead.leadId), ...lead, version: version + 1 },
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': version },
              },
            },
            {
              Update: {
                TableName: leadsTable,
                Key: funnelShardKeyOf(lead.leadId),
                UpdateExpression: 'ADD #current :minus',
                ExpressionAttributeNames: { '#current': `current.${lead.stage}` },
                ExpressionAttributeValues: { ':minus': -1 },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new ConcurrentUpdateError(`lead ${lead.leadId}`, { cause: error });
      throw error;
    }
  }

  return {
    getLead,
    leadIdOf,
    resolveIdentities,
    appliedMessageIds,
    saveLead,
    clearJourneyPending,
    getFunnelCounters,
    getCycle,
    putCycle,
    recordTaskToken,
    recordOutcome,
    recordEscalation,
    assignOwner,
    addMarkersAndLinks,
    retireLead,
  };
}
