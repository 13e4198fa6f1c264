import { describe, expect, it } from 'vitest';
import { createFaultPlan, errorAnswer, FaultPlanError, operationOf, type AwsCall, type FaultKind } from '../../../local/fault-plan.ts';

const putItem: AwsCall = { functionId: 'ApiIngest666D1B11', service: 'dynamodb', operation: 'PutItem' };

/** The faults a plan picks for `n` calls of one name. */
const draws = (seed: number, rules: Parameters<typeof createFaultPlan>[0]['rules'], call: AwsCall, n: number) => {
  const plan = createFaultPlan({ seed, rules });
  return Array.from({ length: n }, () => plan.choose(call));
};

describe('a fault plan', () => {
  it('names calls by X-Amz-Target for DynamoDB and Step Functions, by the path for SES v2', () => {
    expect(operationOf('dynamodb', { method: 'POST', path: '/', target: 'DynamoDB_20120810.TransactWriteItems' })).toBe('TransactWriteItems');
    expect(operationOf('sfn', { method: 'POST', path: '/', target: 'AWSStepFunctions.SendTaskSuccess' })).toBe('SendTaskSuccess');
    expect(operationOf('ses', { method: 'POST', path: '/v2/email/outbound-emails' })).toBe('SendEmail');
    expect(operationOf('ses', { method: 'GET', path: '/v2/email/suppression/addresses/a%40b.example' })).toBe('GET /v2/email/suppression/addresses/{name}');
    expect(operationOf('dynamodb', { method: 'POST', path: '/' })).toBe('Unknown');
  });

  it('gives the same faults for the same seed, call by call, and other faults for another seed', () => {
    const rules = [{ service: 'dynamodb' as const, fault: 'throttle' as const, rate: 0.5 }];
    const first = draws(7, rules, putItem, 40);
    expect(draws(7, rules, putItem, 40)).toEqual(first);
    expect(draws(8, rules, putItem, 40)).not.toEqual(first);
  });

  it('gives one operation the same sequence whatever other operations come between', () => {
    const rules = [{ service: 'dynamodb' as const, fault: 'lost-response' as const, rate: 0.3 }];
    const alone = draws(3, rules, putItem, 30);
    const plan = createFaultPlan({ seed: 3, rules });
    const interleaved: (FaultKind | undefined)[] = [];
    for (let i = 0; i < 30; i++) {
      plan.choose({ ...putItem, operation: 'GetItem' });
      interleaved.push(plan.choose(putItem));
    }
    expect(interleaved).toEqual(alone);
  });

  it('hits about its rate of the matching calls, and only them', () => {
    const plan = createFaultPlan({ seed: 1, rules: [{ service: 'ses', operation: 'SendEmail', fault: 'throttle', rate: 0.2 }] });
    const sendEmail: AwsCall = { functionId: 'JourneySendHandoff', service: 'ses', operation: 'SendEmail' };
    for (let i = 0; i < 5_000; i++) {
      plan.choose(sendEmail);
      plan.choose(putItem);
      plan.choose({ ...sendEmail, operation: 'GET /v2/email/suppression/{name}' });
    }
    const throttled = plan.injected('ses', 'throttle');
    expect(throttled / 5_000).toBeGreaterThan(0.18);
    expect(throttled / 5_000).toBeLessThan(0.22);
    expect(plan.injected('dynamodb')).toBe(0);
    expect(plan.counts().find((c) => c.operation === 'SendEmail')).toMatchObject({ calls: 5_000, injected: { throttle: throttled } });
  });

  it('splits one draw between the rules of a call in their order, each near its own rate', () => {
    const plan = createFaultPlan({
      seed: 11,
      rules: [
        { service: 'sfn', fault: 'fail-before', rate: 0.1 },
        { service: 'sfn', operation: 'StartExecution', fault: 'timeout', rate: 0.3 },
      ],
    });
    const start: AwsCall = { functionId: 'ScoringScore', service: 'sfn', operation: 'StartExecution' };
    for (let i = 0; i < 10_000; i++) plan.choose(start);
    expect(plan.injected('sfn', 'fail-before') / 10_000).toBeCloseTo(0.1, 1);
    expect(plan.injected('sfn', 'timeout') / 10_000).toBeCloseTo(0.3, 1);
    expect(plan.injected('sfn')).toBe(plan.injected('sfn', 'fail-before') + plan.injected('sfn', 'timeout'));
  });

  it('aims at one function by the prefix of its logical id', () => {
    const plan = createFaultPlan({ seed: 2, rules: [{ service: 'dynamodb', functionPrefix: 'Journey', fault: 'fail-before', rate: 1 }] });
    expect(plan.choose(putItem)).toBeUndefined();
    expect(plan.choose({ ...putItem, functionId: 'JourneyEscalateFunction7A918326' })).toBe('fail-before');
  });

  it('opens with the faults asked for, one call each, in order, then draws', () => {
    const plan = createFaultPlan({ seed: 5, rules: [], opening: { ses: ['fail-before', 'timeout'] } });
    const sendEmail: AwsCall = { functionId: 'JourneySendHandoff', service: 'ses', operation: 'SendEmail' };

    expect([plan.choose(putItem), plan.choose(sendEmail), plan.choose(sendEmail), plan.choose(sendEmail)]).toEqual([undefined, 'fail-before', 'timeout', undefined]);
    expect([plan.injected('ses', 'fail-before'), plan.injected('ses', 'timeout'), plan.injected('dynamodb')]).toEqual([1, 1, 0]);
    expect(() => createFaultPlan({ seed: 1, rules: [], opening: { ses: ['late' as FaultKind] } })).toThrow(/opening\.ses/);
  });

  it('opens every distinct call (function, service, operation) with the per-call faults, one call each, after the service openings', () => {
    const plan = createFaultPlan({ seed: 5, rules: [], opening: { ses: ['throttle'] }, openingPerCall: ['lost-response', 'timeout'] });
    const sendEmail: AwsCall = { functionId: 'JourneySendHandoff', service: 'ses', operation: 'SendEmail' };
    const otherFunction: AwsCall = { ...putItem, functionId: 'JourneyFollowUpFunction' };

    expect([plan.choose(sendEmail), plan.choose(sendEmail), plan.choose(sendEmail), plan.choose(sendEmail)]).toEqual(['throttle', 'lost-response', 'timeout', undefined]);
    expect([plan.choose(putItem), plan.choose(otherFunction), plan.choose(putItem), plan.choose(otherFunction), plan.choose(putItem)]).toEqual([
      'lost-response',
      'lost-response',
      'timeout',
      'timeout',
      undefined,
    ]);
    expect(plan.counts().find((c) => c.functionId === otherFunction.functionId)!.injected).toEqual({ 'lost-response': 1, timeout: 1 });
    expect(() => createFaultPlan({ seed: 1, rules: [], openingPerCall: ['late' as FaultKind] })).toThrow(/openingPerCall/);
  });

  it('refuses rates that are not shares, and rules of one service adding up past every call', () => {
    expect(() => createFaultPlan({ seed: 1, rules: [{ service: 'ses', fault: 'throttle', rate: 1.5 }] })).toThrow(/rules\[0\]\.rate/);
    expect(() =>
      createFaultPlan({ seed: 1, rules: [{ service: 'ses', fault: 'throttle', rate: 0.6 }, { service: 'ses', fault: 'timeout', rate: 0.6 }] }),
    ).toThrow(FaultPlanError);
    expect(() => createFaultPlan({ seed: 1.5, rules: [] })).toThrow(/seed/);
  });
});

describe('the errors the proxy answers with', () => {
  const parse = (body: string) => JSON.parse(body) as { __type?: string; message: string };

  it('are DynamoDB’s own: a 400 ProvisionedThroughputExceededException, a 500 InternalServerError', () => {
    const throttle = errorAnswer('dynamodb', 'throttle');
    expect(throttle.status).toBe(400);
    expect(parse(throttle.body).__type).toMatch(/#ProvisionedThroughputExceededException$/);
    expect(throttle.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(errorAnswer('dynamodb', 'fail-before').status).toBe(500);
  });

  it('are Step Functions’ ThrottlingException and SES’s 429 TooManyRequestsException', () => {
    expect([errorAnswer('sfn', 'throttle').status, parse(errorAnswer('sfn', 'throttle').body).__type]).toEqual([400, 'ThrottlingException']);
    const ses = errorAnswer('ses', 'throttle');
    expect([ses.status, ses.headers['x-amzn-errortype']]).toEqual([429, 'TooManyRequestsException']);
    expect(errorAnswer('ses', 'fail-before').status).toBeGreaterThanOrEqual(500);
  });
});
