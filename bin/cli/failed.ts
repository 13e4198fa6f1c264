import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localParking, scoringInvoker, sqsParking, streamRange } from '#adapters/parked-records.ts';
import { SETTINGS } from '#commons/settings.ts';
import { describeParked, type ParkedBatch, type ReplayOutcome } from '#core/failed-records.ts';
import { listParked, replayParked, type FailedRecordsPorts, type ParkedListing } from '../../functions/failed-records/failed-records.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE, type Env } from './connect.ts';
import type { CliIo } from './run.ts';
import { FAILED_RECORDS_VARIABLES, LOCAL_API_VARIABLES } from './target.ts';

export const FAILED_USAGE = `Usage: leadloop failed <list | replay [<id>]> [--local | --stack <name>] [--json]

The stream records scoring could not apply, set aside after their retries
(the on-failure queue; the FailedRecordsAlarm fires on it).

  list                 Each parked batch: its id, when it was parked, its records (shard and
                       sequence numbers) and why (retries exhausted, or too old), with the
                       events it holds (messageId, type, whom it is about)
  replay [<id>]        Once the cause is fixed, replay every parked batch (or the one with
                       that id) through the scoring function, as the stream would: the
                       records are read again from the events stream (kept 24 hours), with
                       each event as the events table holds it now. A batch applied in full
                       leaves the queue; one with a record that fails again stays. Replaying
                       twice changes nothing: an event is applied to its lead once.
                       Past 24 hours the stream no longer has them: run leadloop rescore,
                       which applies every stored event.

  --json               print JSON

${TARGET_USAGE}

Exit status: 0 when done (replay: every batch replayed), 1 when a batch stays parked or on an
error, 2 for a usage error.`;

const OPTIONS = { ...TARGET_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** The ports of `leadloop failed` for the target's environment: the parked batches where the target keeps them. */
export function failedRecordsPorts(env: Env): { ports: FailedRecordsPorts; list: () => Promise<ParkedBatch[]> } | string {
  const eventsTable = env[SETTINGS.eventsTable];
  const functionName = env[FAILED_RECORDS_VARIABLES.scoreFunction];
  const queueUrl = env[FAILED_RECORDS_VARIABLES.queueUrl];
  const apiUrl = env[LOCAL_API_VARIABLES.apiUrl];
  if (!eventsTable) return `the target names no ${SETTINGS.eventsTable}`;
  if (!functionName) return `the target names no scoring function (${FAILED_RECORDS_VARIABLES.scoreFunction}); deploy this version of LeadLoop first`;
  if (!queueUrl && !apiUrl) return `the target names no failed-records queue (${FAILED_RECORDS_VARIABLES.queueUrl}); deploy this version of LeadLoop first`;
  const dynamo = clientConfig(env, 'DYNAMODB');
  const streamsEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS ?? env.AWS_ENDPOINT_URL_DYNAMODB;
  const lambdaEndpoint = env.AWS_ENDPOINT_URL_LAMBDA;
  const parking = queueUrl ? sqsParking({ sqs: new SQSClient({ ...dynamo, ...(env.AWS_ENDPOINT_URL_SQS ? { endpoint: env.AWS_ENDPOINT_URL_SQS } : { endpoint: undefined }) }), queueUrl }) : localParking({ apiUrl: apiUrl! });
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const ports: FailedRecordsPorts = {
    parked: parking.take,
    records: streamRange({ streams: new DynamoDBStreamsClient({ ...dynamo, ...(streamsEndpoint && { endpoint: streamsEndpoint }) }), dynamodb: new DynamoDBClient(dynamo), eventsTable, region }),
    score: scoringInvoker({ lambda: new LambdaClient({ ...dynamo, endpoint: lambdaEndpoint }), functionName }),
    unpark: parking.unpark,
    keep: parking.keep,
  };
  return { ports, list: parking.list };
}

function listingText(listed: ParkedListing[], where: string): string {
  if (listed.length === 0) return `No parked stream records in ${where}.`;
  return listed
    .map(({ batch, events }) => {
      const lines = [describeParked(batch)];
      if (!events) lines.push('    the stream no longer holds these records (24 hours): leadloop rescore applies every stored event');
      for (const e of events ?? []) lines.push(`    ${e.sequenceNumber}  ${e.messageId}  ${e.stored ? `${e.type ?? '?'}${e.about ? `  ${e.about}` : ''}` : '(no longer in the events table: nothing to replay)'}`);
      return lines.join('\n');
    })
    .join('\n');
}

const outcomeText = (result: ReplayOutcome): string =>
  result.outcome === 'replayed'
    ? `replayed: ${result.applied} record(s) applied (or already applied); out of the queue`
    : result.outcome === 'failed-again'
      ? `failed again (${result.failed.join(', ')}): still parked; see the scoring function's log`
      : 'the stream no longer holds its records: still parked; run leadloop rescore';

/** `leadloop failed list|replay`. */
export async function failedCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${FAILED_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.out(FAILED_USAGE), 0);
  const [action, id, ...extra] = positionals;
  if (action !== 'list' && action !== 'replay') {
    io.err(`leadloop: ${action === undefined ? 'failed needs a subcommand: list or replay' : `unknown failed subcommand "${action}"`}\n\n${FAILED_USAGE}`);
    return 2;
  }
  if ((action === 'list' && id !== undefined) || extra.length > 0) {
    io.err(`leadloop: failed ${action} takes ${action === 'list' ? 'no operands' : 'at most one batch id'}, got ${[id, ...extra].filter(Boolean).join(' ')}\n\n${FAILED_USAGE}`);
    return 2;
  }
  const target = await findTarget(io, values, FAILED_USAGE);
  if (typeof target === 'number') return target;
  const wired = failedRecordsPorts(target.env);
  if (typeof wired === 'string') return (io.err(`leadloop: ${wired}`), 1);
  try {
    if (action === 'list') {
      const listed = await listParked({ parked: wired.list, records: wired.ports.records });
      io.out(values.json ? JSON.stringify(listed.map(({ batch, events }) => ({ id: batch.id, failure: batch.failure, events: events ?? null }))) : listingText(listed, target.description));
      return 0;
    }
    const results = await replayParked(wired.ports, id);
    if (values.json) io.out(JSON.stringify(results.map(({ batch, result }) => ({ id: batch.id, ...result }))));
    else io.out(results.length === 0 ? (id ? `No parked batch ${id}.` : 'Nothing parked: nothing to replay.') : results.map(({ batch, result }) => `${batch.id}: ${outcomeText(result)}`).join('\n'));
    return results.every(({ result }) => result.outcome === 'replayed') ? 0 : 1;
  } catch (error) {
    io.err(`leadloop: failed ${action}: ${(error as Error).message}`);
    return 1;
  }
}
