import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '#core/lead.ts';
import type { NurtureEnrollment, NurtureExit, NurtureLead, SuppressionReason } from '#core/nurture.ts';
import { profileKey, suppressionKey } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface NurtureStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** told the units of every call (each asks for them) */
  onConsumed?: OnConsumed;
}

export type NurtureStore = ReturnType<typeof createNurtureStore>;

/** A lead's profile as nurture reads it. */
export type NurtureProfile = Omit<NurtureLead, 'grade'> & { leadId: string };

/** The program a lead is in, as its execution is named. */
export type EnrollmentRef = Pick<NurtureEnrollment, 'programId' | 'cycle'>;

/**
 * What nurture keeps in the leads table: the lead's enrollment on its
 * profile (the marks of its start and end, each moving the profile's
 * version, so a save based on an older read retries) and the suppression
 * list, by address.
 */
export function createNurtureStore({ client: sdkClient, leadsTable, onConsumed }: NurtureStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const sameEnrollment = {
    ConditionExpression: 'nurture.programId = :program AND nurture.#cycle = :cycle',
    names: { '#cycle': 'cycle' },
  };

  return {
    /** The lead's profile as nurture reads it (no score: stopping, a click and an unsubscribe need none), or undefined. */
    async getNurtureProfile(leadId: string): Promise<NurtureProfile | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ConsistentRead: true }));
      if (!Item) return undefined;
      const lead = Item as unknown as Lead;
      return {
        leadId,
        stage: lead.stage,
        traits: lead.traits ?? {},
        cycle: lead.cycle,
        ...(lead.email !== undefined && { email: lead.email }),
        ...(lead.owner !== undefined && { owner: lead.owner }),
        ...(lead.mergedInto !== undefined && { mergedInto: lead.mergedInto }),
        ...(lead.nurture !== undefined && { nurture: lead.nurture }),
      };
    },

    /** Clears the enrollment's pending mark once its execution is known to exist. */
    async clearNurturePending(leadId: string, enrollment: EnrollmentRef): Promise<void> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: profileKey(leadId),
            UpdateExpression: 'REMOVE nurture.pending SET version = version + :one',
            ConditionExpression: `${sameEnrollment.ConditionExpression} AND attribute_exists(nurture.pending)`,
            ExpressionAttributeNames: sameEnrollment.names,
            ExpressionAttributeValues: { ':program': enrollment.programId, ':cycle': enrollment.cycle, ':one': 1 },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    /**
     * Marks the enrollment ended (the first reason stands), and no longer
     * pending. Returns false when it was already ended or is not the lead's now.
     */
    async markNurtureEnded(leadId: string, enrollment: EnrollmentRef, reason: NurtureExit | 'completed', at: string): Promise<boolean> {
      try {
        await client.send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: profileKey(leadId),
            UpdateExpression: 'SET nurture.ended = :ended, version = version + :one REMOVE nurture.pending',
            ConditionExpression: `${sameEnrollment.ConditionExpression} AND attribute_not_exists(nurture.ended)`,
            ExpressionAttributeNames: sameEnrollment.names,
            ExpressionAttributeValues: { ':program': enrollment.programId, ':cycle': enrollment.cycle, ':one': 1, ':ended': { reason, at } },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    /** Puts an address on the suppression list; the first reason stands. */
    async suppress(email: string, reason: SuppressionReason, at: string, detail?: string): Promise<void> {
      try {
        await client.send(
          new PutCommand({
            TableName: leadsTable,
            Item: { ...suppressionKey(email), email, reason, at, ...(detail !== undefined && { detail }) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    /** Why an address is suppressed, or undefined when it is not. */
    async suppressionOf(email: string): Promise<SuppressionReason | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: suppressionKey(email), ConsistentRead: true }));
      return Item?.reason as SuppressionReason | undefined;
    },
  };
}
