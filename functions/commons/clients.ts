import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * The document client every DynamoDB adapter takes: `undefined` attributes
 * are left out of what is written. With no config, endpoints, region and
 * credentials come from the SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB,
 * …), so the same code talks to AWS or to the local stand-ins.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * SDK clients, built once per cold start, for a handler's wiring to hand to
 * the adapters it builds. Adapters never import these.
 */
export const dynamodb = createDocumentClient();
export const sfn = new SFNClient({});
export const ses = new SESv2Client({});
