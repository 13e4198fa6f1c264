import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { eventOfMarker, leadPartition, MARKER_PREFIX } from '../../functions/core/table-layout.ts';

/**
 * The messageIds of the events scoring applied to a lead: its markers, read
 * by one Query of the lead's partition (a marker's key names the event and
 * when it happened, which a bench sending events without a timestamp does not
 * know, so they are not looked up by key).
 */
export async function appliedTo(client: DynamoDBClient, leadsTable: string, leadId: string): Promise<Set<string>> {
  const applied = new Set<string>();
  let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: leadsTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: leadPartition(leadId) }, ':prefix': { S: MARKER_PREFIX } },
        ProjectionExpression: 'sk',
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    for (const item of page.Items ?? []) if (item.sk?.S) applied.add(eventOfMarker(item.sk.S).messageId);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return applied;
}
