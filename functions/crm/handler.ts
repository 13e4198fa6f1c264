import { createCrmOutcomeStore } from '#adapters/crm-outcome-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { ValidationError } from '#commons/errors.ts';
import { httpHandler, json, parseStorableJsonBody } from '#commons/http.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { outcomesOf } from '#core/crm-outcomes.ts';
import * as z from '#core/zod.ts';
import { recordOutcomes, type OutcomeResult, type RecordOutcomesPorts } from './record-outcomes.ts';

/** What reporting outcomes needs: the use case's ports, and the keys to check the caller's. */
export interface CrmHandlerPorts extends RecordOutcomesPorts, KeyLookup {}

/** A batch of 100 outcomes is well under this; a body past it is refused before it is parsed. */
export const MAX_OUTCOMES_BODY_BYTES = 256 * 1024;

const querySchema = z.strictObject({
  dryRun: z.optional(z.enum(['true', 'false'], 'dryRun is true or false')),
});

function refusal(results: readonly OutcomeResult[]): { statusCode: 404 | 409; error: string; issues: { path: string; message: string }[] } | undefined {
  const refused = results.filter((result) => result.status === 'refused');
  const [first] = refused;
  if (!first) return undefined;
  const error =
    first.code === 404
      ? 'an outcome names a lead LeadLoop does not know; nothing was stored'
      : 'an outcome moves a lead in a way its lifecycle does not allow; nothing was stored';
  return { statusCode: first.code, error, issues: refused.map(({ path, message }) => ({ path, message })) };
}

/**
 * POST /v1/outcomes: what the CRM reports about leads (server key), one
 * outcome or `{"batch": [...]}`, `?dryRun=true` to see what would happen.
 * 202 when stored, 200 for a dry run, 400 for invalid input, 404 / 409 when
 * an outcome is refused (then nothing is stored); each result says what
 * became of its outcome.
 */
export function crmOutcomesHandler(ports: CrmHandlerPorts) {
  const requireServerKey = serverKeyCheck(ports, 'report outcomes');
  return httpHandler(async (event) => {
    const key = await requireServerKey(event);
    const query = z.safeParse(querySchema, event.queryStringParameters ?? {});
    if (!query.success) throw new ValidationError(query.error.issues.map((issue) => ({ path: ['query', ...issue.path].join('.'), message: issue.message })));
    const dryRun = query.data.dryRun === 'true';
    const body = parseStorableJsonBody(event, MAX_OUTCOMES_BODY_BYTES);
    const parsed = outcomesOf(body);
    if ('issues' in parsed) throw new ValidationError(parsed.issues);
    const batch = typeof body === 'object' && body !== null && 'batch' in body;
    const { results } = await recordOutcomes(parsed.outcomes, { via: key.sourceId, dryRun, batch }, ports);
    const refused = refusal(results);
    if (refused) return json(refused.statusCode, { error: refused.error, issues: refused.issues, results });
    return json(dryRun ? 200 : 202, { results });
  });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { findKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const { findLead, storeOutcomes, storedOutcomes } = createCrmOutcomeStore({ client: dynamodb, leadsTable, eventsTable, onConsumed });
export const handler = crmOutcomesHandler({ now: () => new Date(), findKey, findLead, storeOutcomes, storedOutcomes });

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
