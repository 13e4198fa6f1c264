import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_SERVICES, createFaultPlan, FAULT_KINDS, type FaultPlan } from '../../local/fault-plan.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { emailDifferences, FAULT_PLANS, FaultWorkload, openingOf, type RunOutcome } from '../support/fault-workload.ts';
import { storedEvents } from '../support/local.ts';

/**
 * Issue 14, faults at every AWS call: the functions reach DynamoDB, Step Functions and SES through the
 * runtime's fault proxy. The scripted workload (test/support/fault-workload.ts) runs once with no fault,
 * then under all four kinds at once (fail before the call, lost response, time out, throttle at 20%): no
 * event lost, no hand-off lost, no email twice, no point counted twice, and every person ends as in the
 * fault-free run. Per-kind runs, and the matrix of what each call did, are bench/faults.ts's.
 * Real time (clock speed 1, a Monday morning): no service-agreement timer comes due during the runs.
 */
const SEED = Number(process.env.FAULT_SEED ?? 14);

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
let workload: FaultWorkload;
let calm: RunOutcome;
/** the runtime's log (stream retries, records set aside), shown when a run fails */
const logs: string[] = [];

/** What the runtime holds about a run that did not finish: the records set aside, the journeys, its log. */
async function diagnosis(tag: string): Promise<string> {
  const failed = await (await fetch(`${runtime.apiUrl}/_local/failed-records`)).text();
  const journeys = [...runtime.stepFunctions.executions.values()].map((e) => ({ name: e.name, status: e.status, states: e.states.slice(-6) }));
  const people = await Promise.all(['ann', 'bob', 'cay'].map((p) => workload.lead(`${p}.${tag}@${{ ann: 'acme', bob: 'globex', cay: 'initech' }[p]}.example`)));
  return JSON.stringify({ failed: JSON.parse(failed) as unknown, journeys, people: people.map((l) => l && { stage: l.stage, cycle: l.cycle, owner: l.owner, history: l.stageHistory }), log: logs.slice(-40) }, null, 1);
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, clockStart: new Date('2027-01-11T09:00:00Z'), synth: false, log: (m) => void logs.push(m), faults: {} });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  workload = new FaultWorkload(runtime).countStoredWith(async (tag) =>
    (await storedEvents(dynamodb, (e) => String(e.messageId).startsWith(`${tag}-`))).map((e) => String(e.messageId)),
  );
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

/** The functions whose calls a count belongs to, by the part of the loop they are. */
const PARTS: Record<string, RegExp> = { ingest: /^ApiIngest/, scoring: /^Scoring/, journey: /^Journey/, outcomes: /^Api(Outcome|CrmOutcomes)/ };

describe('the scripted workload', () => {
  it('runs to its end with no fault: Ann won, Bob rejected, Cay scored, one email per purpose', async () => {
    const plan = createFaultPlan({ seed: SEED, rules: [] });
    runtime.faults!.use(plan);

    calm = await workload.run('calm');
    runtime.faults!.use(undefined);

    expect(calm.ann.stage).toBe('won');
    expect(calm.ann.deal).toEqual({ stage: 'won', amount: 12_000 });
    expect(calm.bob.transitions.filter((t) => t.endsWith('(rejected)'))).toHaveLength(1);
    expect(calm.ann.emailsByPurpose['New lead for you']).toBe(1);
    expect(calm.bob.emailsByPurpose['New lead for you']).toBe(1);
    expect(calm.cay.emailsByPurpose).toEqual({});
    // each event stored once however often it came: 4 + 4 + 3, and Ann's two CRM outcomes
    expect([calm.ann.storedEvents, calm.bob.storedEvents, calm.cay.storedEvents]).toEqual([4, 4, 3]);
    for (const person of Object.values(calm)) expect(person.duplicateEmails).toBe(0);
    // the proxy saw the loop's calls and injected nothing
    for (const service of AWS_SERVICES) expect(plan.counts().some((c) => c.service === service && c.calls > 0), service).toBe(true);
    for (const service of AWS_SERVICES) expect(plan.injected(service)).toBe(0);
  }, 60_000);

  it('ends the same under every fault kind at once: nothing lost, nothing twice', async () => {
    const plan: FaultPlan = createFaultPlan({ seed: SEED, rules: FAULT_PLANS.combined!, opening: openingOf(FAULT_PLANS.combined!) });
    runtime.faults!.use(plan);
    let storm: RunOutcome;
    try {
      storm = await workload.run('storm');
    } catch (error) {
      throw new Error(`${String(error)}\n${await diagnosis('storm')}`);
    } finally {
      runtime.faults!.use(undefined);
    }

    // Assess: every person ended as in the fault-free run
    for (const key of ['ann', 'bob', 'cay'] as const) {
      const [faulted, expected] = [storm[key], calm[key]];
      expect(faulted.storedEvents, `${key}: events stored`).toBe(expected.storedEvents);
      expect(faulted.ruleCounts, `${key}: events scored per rule`).toEqual(expected.ruleCounts);
      // read a few seconds apart: decay moves the points by far less than one event's
      expect(faulted.engagement, `${key}: engagement`).toBeCloseTo(expected.engagement, 0);
      expect([faulted.grade, faulted.fitPoints]).toEqual([expected.grade, expected.fitPoints]);
      expect([faulted.stage, faulted.cycle, faulted.transitions, faulted.deal], `${key}: state`).toEqual([expected.stage, expected.cycle, expected.transitions, expected.deal]);
      // every email of the fault-free run, once; the slower faulted run may also have reached the feedback ask that
      // follows a won deal (sent by the follow-up clock, later in time), never anything else
      expect(emailDifferences(expected.emailsByPurpose, faulted.emailsByPurpose), `${key}: emails`).toEqual([]);
      expect(Object.values(faulted.emailsByPurpose).every((n) => n === 1), `${key}: one email per purpose`).toBe(true);
      expect(faulted.duplicateEmails, `${key}: emails twice`).toBe(0);
    }

    // and the faults were there, of every kind, in every service and every part of the loop
    for (const service of AWS_SERVICES) {
      for (const fault of FAULT_KINDS) expect(plan.injected(service, fault), `${fault} into ${service}`).toBeGreaterThan(0);
    }
    const injectedInto = (part: RegExp) => plan.counts().filter((c) => part.test(c.functionId)).reduce((n, c) => n + Object.values(c.injected).reduce((a, b) => a + b, 0), 0);
    for (const [part, functions] of Object.entries(PARTS)) expect(injectedInto(functions), part).toBeGreaterThan(0);

  }, 120_000);
});
