import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients, built once per cold start. Endpoints come from the SDK's
 * standard settings (AWS_ENDPOINT_URL_DYNAMODB, …), so the same code talks
 * to AWS or to the local stand-ins.
 */
export const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({});
export const ses = new SESv2Client({});
