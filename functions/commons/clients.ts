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
 * the adapters it builds. Adapters never import these. Marked pure, so a
 * bundle keeps only the clients its function uses (see decisions: Bundling).
 */
export const dynamodb = /* @__PURE__ */ createDocumentClient();
export const sfn = /* @__PURE__ */ new SFNClient({});
export const ses = /* @__PURE__ */ new SESv2Client({});
