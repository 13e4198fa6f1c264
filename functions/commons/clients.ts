import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * SDK clients, built once per cold start. Endpoints come from the SDK's
 * standard settings (AWS_ENDPOINT_URL_DYNAMODB, …), so the same code talks
 * to AWS or to the local stand-ins.
 */
export const dynamodb = /* @__PURE__ */ DynamoDBDocumentClient.from(/* @__PURE__ */ new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = /* @__PURE__ */ new SFNClient({});
export const ses = /* @__PURE__ */ new SESv2Client({});
