import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import type { IdentityKey } from '#core/lead.ts';

const leadsTable = getStringFromEnv('LEADS_TABLE');

/**
 * The lead an identity (`email:…`, `user:…`, `anon:…`) is linked to. The
 * scoring path writes the link in the same transaction as the lead, so a
 * link found here always has its lead.
 */
export async function leadIdOf(identity: IdentityKey): Promise<string | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: leadsTable, Key: { pk: `IDENTITY#${identity}`, sk: 'IDENTITY' } }));
  return typeof Item?.leadId === 'string' ? Item.leadId : undefined;
}
