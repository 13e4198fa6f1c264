/**
 * What the fault proxy (local/fault-proxy.ts) does to each AWS call a function
 * makes: the pure part, deterministic from a seed. A call is named by its
 * service and operation (X-Amz-Target for DynamoDB and Step Functions, the
 * path for SES v2); a plan's rules give, per service and operation, a fault
 * and the share of calls it hits.
 */

import { seededRandom as random } from '../functions/core/seeded-random.ts';

export const AWS_SERVICES = ['dynamodb', 'sfn', 'ses'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

export const FAULT_KINDS = ['fail-before', 'lost-response', 'timeout', 'throttle'] as const;
/**
 * - `fail-before`: not forwarded; answered with the service's 500 (nothing happened);
 * - `lost-response`: forwarded, and once the service has answered the connection is cut (it happened, the caller cannot know);
 * - `timeout`: held past the client's request timeout, then forwarded, its answer dropped (it happens late, after the caller gave up);
 * - `throttle`: not forwarded; answered with the service's throttling error (400 or 429), which the SDK classifies as a throttle.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  service: AwsService;
  /** e.g. `PutItem`, `StartExecution`, `SendEmail`. @default - every operation of the service */
  operation?: string;
  /** The functions (logical ids, by prefix) whose calls it hits. @default - every function */
  functionPrefix?: string;
  fault: FaultKind;
  /** share of the matching calls, 0 to 1 */
  rate: number;
}

export interface FaultPlanSettings {
  seed: number;
  rules: readonly FaultRule[];
  /**
   * The first calls to a service get these faults, one each in order, before the rules draw: a short run is
   * sure to meet every kind in every service. @default - none
   */
  opening?: Partial<Record<AwsService, readonly FaultKind[]>>;
  /**
   * The first calls of every distinct call (function, service, operation) get these faults, one each in order,
   * before the rules draw (and after `opening`): a run meets every kind at every call it makes, so a matrix of
   * call × fault has no empty cell for a call the run made. @default - none
   */
  openingPerCall?: readonly FaultKind[];
}

/** Who made a call and what it is. */
export interface AwsCall {
  /** the calling function's logical id, or `unknown` */
  functionId: string;
  service: AwsService;
  operation: string;
}

/** The operation a request names: X-Amz-Target's action for the JSON protocols, the REST path for SES v2. */
export function operationOf(service: AwsService, request: { method: string; path: string; target?: string | undefined }): string {
  if (service === 'dynamodb' || service === 'sfn') {
    const action = request.target?.split('.').at(-1);
    return action !== undefined && action !== '' ? action : 'Unknown';
  }
  const path = request.path.split('?')[0] ?? '';
  if (request.method === 'POST' && /^\/v2\/email\/outbound-emails\/?$/.test(path)) return 'SendEmail';
  if (request.method === 'POST' && /^\/v2\/email\/outbound-bulk-emails\/?$/.test(path)) return 'SendBulkEmail';
  // a name in the path (an address, a template) is not part of the operation
  return `${request.method} ${path.split('/').map((segment) => (/^[a-z0-9-]*$/.test(segment) ? segment : '{name}')).join('/')}`;
}

/** The same 32-bit hash for the same text (FNV-1a): one random stream per call name. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}


export class FaultPlanError extends Error {
  override name = 'FaultPlanError';
}

/** Refuses a plan whose rates are not shares, or whose rules for one call add up to more than every call. */
export function validateFaultPlan(settings: FaultPlanSettings): void {
  if (!Number.isInteger(settings.seed)) throw new FaultPlanError(`seed must be an integer, got ${settings.seed}`);
  for (const [i, rule] of settings.rules.entries()) {
    if (!AWS_SERVICES.includes(rule.service)) throw new FaultPlanError(`rules[${i}].service must be one of ${AWS_SERVICES.join(', ')}, got ${String(rule.service)}`);
    if (!FAULT_KINDS.includes(rule.fault)) throw new FaultPlanError(`rules[${i}].fault must be one of ${FAULT_KINDS.join(', ')}, got ${String(rule.fault)}`);
    if (!(rule.rate >= 0 && rule.rate <= 1)) throw new FaultPlanError(`rules[${i}].rate must be between 0 and 1, got ${rule.rate}`);
  }
  for (const [service, kinds] of Object.entries(settings.opening ?? {})) {
    if (!AWS_SERVICES.includes(service as AwsService)) throw new FaultPlanError(`opening.${service}: not a service (${AWS_SERVICES.join(', ')})`);
    for (const kind of kinds ?? []) if (!FAULT_KINDS.includes(kind)) throw new FaultPlanError(`opening.${service}: ${String(kind)} is not a fault`);
  }
  for (const kind of settings.openingPerCall ?? []) if (!FAULT_KINDS.includes(kind)) throw new FaultPlanError(`openingPerCall: ${String(kind)} is not a fault`);
  for (const service of AWS_SERVICES) {
    // the worst case: every rule of the service hits the same call
    const total = settings.rules.filter((r) => r.service === service).reduce((sum, r) => sum + r.rate, 0);
    if (total > 1 + 1e-9) throw new FaultPlanError(`the rules for ${service} add up to a rate of ${total}: at most 1`);
  }
}

const matches = (rule: FaultRule, call: AwsCall) =>
  rule.service === call.service && (rule.operation === undefined || rule.operation === call.operation) && (rule.functionPrefix === undefined || call.functionId.startsWith(rule.functionPrefix));

/** Calls and injected faults, by function, service and operation. */
export interface FaultCount extends AwsCall {
  calls: number;
  injected: Partial<Record<FaultKind, number>>;
}

export interface FaultPlan {
  /** The fault for this call, if any: the n-th call of one operation gets the same answer for the same seed. */
  choose(call: AwsCall): FaultKind | undefined;
  /** every call seen so far, with what was injected into it */
  counts(): FaultCount[];
  /** injected faults of one kind into one service (all kinds when `fault` is left out) */
  injected(service: AwsService, fault?: FaultKind): number;
}

/**
 * A plan: after the opening faults, each call draws one number from the stream
 * of its operation (seeded by the plan's seed and the service and operation, so
 * calls of other operations do not change it) and the matching rules split
 * [0, 1) in their order.
 */
export function createFaultPlan(settings: FaultPlanSettings): FaultPlan {
  validateFaultPlan(settings);
  const streams = new Map<string, () => number>();
  const counts = new Map<string, FaultCount>();
  const opening = new Map(Object.entries(settings.opening ?? {}).map(([service, kinds]) => [service, [...(kinds ?? [])]]));
  /** per call name, how many of openingPerCall's faults it has had */
  const openedPerCall = new Map<string, number>();
  return {
    choose(call) {
      const name = `${call.functionId}|${call.service}|${call.operation}`;
      let count = counts.get(name);
      if (!count) counts.set(name, (count = { ...call, calls: 0, injected: {} }));
      count.calls++;
      let opened = opening.get(call.service)?.shift();
      if (opened === undefined && settings.openingPerCall !== undefined) {
        const used = openedPerCall.get(name) ?? 0;
        opened = settings.openingPerCall[used];
        if (opened !== undefined) openedPerCall.set(name, used + 1);
      }
      if (opened) {
        count.injected[opened] = (count.injected[opened] ?? 0) + 1;
        return opened;
      }
      const operation = `${call.service}|${call.operation}`;
      let next = streams.get(operation);
      if (!next) streams.set(operation, (next = random(hash(`${settings.seed}|${operation}`))));
      const draw = next();
      let upTo = 0;
      for (const rule of settings.rules) {
        if (!matches(rule, call)) continue;
        upTo += rule.rate;
        if (draw < upTo) {
          count.injected[rule.fault] = (count.injected[rule.fault] ?? 0) + 1;
          return rule.fault;
        }
      }
      return undefined;
    },
    counts: () => [...counts.values()].map((c) => ({ ...c, injected: { ...c.injected } })),
    injected: (service, fault) =>
      [...counts.values()]
        .filter((c) => c.service === service)
        .reduce((sum, c) => sum + (fault ? (c.injected[fault] ?? 0) : Object.values(c.injected).reduce((a, b) => a + b, 0)), 0),
  };
}

/** An answer the proxy gives instead of the service's: status, headers and body in the service's own error shape. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The error the service itself would send: awsJson1_0 `__type` for DynamoDB and
 * Step Functions, REST-JSON with `x-amzn-ErrorType` for SES v2. The SDK reads
 * the name from these, so a throttle is retried as a throttle.
 */
export function errorAnswer(service: AwsService, fault: 'fail-before' | 'throttle'): ErrorAnswer {
  const json = (status: number, type: string, message: string, extra: Record<string, string> = {}): ErrorAnswer => ({
    status,
    headers: { 'content-type': service === 'ses' ? 'application/json' : 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy', ...extra },
    body: JSON.stringify(service === 'ses' ? { message } : { __type: type, message }),
  });
  if (service === 'dynamodb') {
    return fault === 'throttle'
      ? json(400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded (fault proxy)')
      : json(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error (fault proxy)');
  }
  if (service === 'sfn') {
    return fault === 'throttle' ? json(400, 'ThrottlingException', 'Rate exceeded (fault proxy)') : json(500, 'InternalFailure', 'Internal failure (fault proxy)');
  }
  return fault === 'throttle'
    ? json(429, 'TooManyRequestsException', 'Maximum sending rate exceeded (fault proxy)', { 'x-amzn-errortype': 'TooManyRequestsException' })
    : json(503, 'ServiceUnavailable', 'Service unavailable (fault proxy)', { 'x-amzn-errortype': 'ServiceUnavailable' });
}
