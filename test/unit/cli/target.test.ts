import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LOCAL_TARGET_FILE, localClockOf, resolveTarget, runtimeNow, targetClock, targetFromOutputs } from '../../../bin/cli/target.ts';

// vi.mock is hoisted above the imports, so target.ts sees the fake file system.
/** The files the fake file system holds, by absolute path: `--local` is tested without the repo's .leadloop directory. */
const files = vi.hoisted(() => new Map<string, string>());

vi.mock('node:fs', () => ({
  existsSync: (file: string) => files.has(file),
  readFileSync: (file: string) => {
    const text = files.get(file);
    if (text === undefined) throw new Error(`ENOENT: ${file}`);
    return text;
  },
}));


const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:journey-dev';

describe('a target from a stack’s outputs', () => {
  it('maps the tables and the journey onto the CLI’s variables, ignoring other outputs', () => {
    // Prepare
    const outputs = [
      { OutputKey: 'ApiUrl', OutputValue: 'https://api.example.test/' },
      { OutputKey: 'LeadsTableName', OutputValue: 'dev-leads' },
      { OutputKey: 'EventsTableName', OutputValue: 'dev-events' },
      { OutputKey: 'JourneyStateMachineArn', OutputValue: ARN },
    ];

    // Act
    const target = targetFromOutputs('leadloop-dev', outputs);

    // Assess
    expect(target).toEqual({
      ok: true,
      env: { LEADS_TABLE: 'dev-leads', EVENTS_TABLE: 'dev-events', JOURNEY_STATE_MACHINE_ARN: ARN },
      description: 'stack leadloop-dev',
    });
  });

  it('adds the scoring function and the failed-records queue when the stack has them (leadloop failed)', () => {
    const outputs = [
      { OutputKey: 'LeadsTableName', OutputValue: 'dev-leads' },
      { OutputKey: 'EventsTableName', OutputValue: 'dev-events' },
      { OutputKey: 'JourneyStateMachineArn', OutputValue: ARN },
      { OutputKey: 'ScoreFunctionName', OutputValue: 'dev-score' },
      { OutputKey: 'FailedRecordsQueueUrl', OutputValue: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dev-failed' },
    ];

    const target = targetFromOutputs('leadloop-dev', outputs);

    expect(target.ok && target.env).toEqual({
      LEADS_TABLE: 'dev-leads',
      EVENTS_TABLE: 'dev-events',
      JOURNEY_STATE_MACHINE_ARN: ARN,
      LEADLOOP_SCORE_FUNCTION: 'dev-score',
      LEADLOOP_FAILED_RECORDS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dev-failed',
    });
  });

  it('takes the nurture state machine too when the stack has it (leadloop forget stops a program)', () => {
    const outputs = [
      { OutputKey: 'LeadsTableName', OutputValue: 'dev-leads' },
      { OutputKey: 'EventsTableName', OutputValue: 'dev-events' },
      { OutputKey: 'JourneyStateMachineArn', OutputValue: ARN },
      { OutputKey: 'NurtureStateMachineArn', OutputValue: `${ARN}-nurture` },
    ];

    const target = targetFromOutputs('leadloop-dev', outputs);

    expect(target).toMatchObject({ ok: true, env: { NURTURE_STATE_MACHINE_ARN: `${ARN}-nurture` } });
  });

  it('names the outputs the stack lacks', () => {
    // Prepare: the journey output is there but has no value
    const outputs = [{ OutputKey: 'LeadsTableName', OutputValue: 'dev-leads' }, { OutputKey: 'JourneyStateMachineArn' }];

    // Act
    const target = targetFromOutputs('leadloop-dev', outputs);

    // Assess
    expect(target).toEqual({
      ok: false,
      message: 'stack leadloop-dev has no output EventsTableName, JourneyStateMachineArn; deploy this version of LeadLoop first',
    });
  });

  it('names all three for a stack without outputs', () => {
    // Act
    const target = targetFromOutputs('old-stack', []);

    // Assess
    expect(target).toEqual({
      ok: false,
      message: 'stack old-stack has no output LeadsTableName, EventsTableName, JourneyStateMachineArn; deploy this version of LeadLoop first',
    });
  });
});

describe('resolving the target from the environment', () => {
  it('uses the environment as it is when all three variables are set', async () => {
    // Prepare
    const env = { LEADS_TABLE: 'prod-leads', EVENTS_TABLE: 'prod-events', JOURNEY_STATE_MACHINE_ARN: ARN };

    // Act
    const target = await resolveTarget({}, env);

    // Assess: nothing to add to the environment
    expect(target).toEqual({ ok: true, env: {}, description: 'tables prod-leads and prod-events' });
  });

  it.each([
    [{ LEADS_TABLE: 'l', EVENTS_TABLE: 'e' }, 'JOURNEY_STATE_MACHINE_ARN'],
    [{ EVENTS_TABLE: 'e', JOURNEY_STATE_MACHINE_ARN: ARN }, 'LEADS_TABLE'],
    [{ LEADS_TABLE: 'l', EVENTS_TABLE: '', JOURNEY_STATE_MACHINE_ARN: ARN }, 'EVENTS_TABLE'],
    [{ EVENTS_TABLE: 'e' }, 'LEADS_TABLE, JOURNEY_STATE_MACHINE_ARN'],
    [{}, 'LEADS_TABLE, EVENTS_TABLE, JOURNEY_STATE_MACHINE_ARN'],
  ])('with %o says how to choose a LeadLoop and names %s as missing', async (env, missing) => {
    // Act
    const target = await resolveTarget({}, env);

    // Assess: an empty variable counts as missing
    expect(target).toEqual({
      ok: false,
      message: `say which LeadLoop to use: --local (npm start), --stack <name> (deployed), or set ${missing}`,
    });
  });
});

describe('resolving the local target', () => {
  const localFile = path.resolve(import.meta.dirname, '../../../.leadloop/local.json');

  it('reads the file npm start writes at the repo’s root', () => {
    // Assess
    expect(LOCAL_TARGET_FILE).toBe(localFile);
  });

  it('uses the environment npm start wrote, even when the variables are set', async () => {
    // Prepare
    const written = {
      LEADS_TABLE: 'local-leads',
      EVENTS_TABLE: 'local-events',
      JOURNEY_STATE_MACHINE_ARN: ARN,
      AWS_ENDPOINT_URL: 'http://localhost:4566',
    };
    files.set(localFile, JSON.stringify(written));
    const env = { LEADS_TABLE: 'prod-leads', EVENTS_TABLE: 'prod-events', JOURNEY_STATE_MACHINE_ARN: ARN };

    try {
      // Act
      const target = await resolveTarget({ local: true }, env);

      // Assess
      expect(target).toEqual({ ok: true, env: written, description: 'the local runtime (npm start)' });
    } finally {
      files.clear();
    }
  });

  it('reads another runtime’s file when LEADLOOP_LOCAL_FILE names one, and says which is missing', async () => {
    // Prepare
    const other = '/tmp/another-runtime/local.json';
    files.set(other, JSON.stringify({ LEADS_TABLE: 'other-leads' }));
    files.set(localFile, JSON.stringify({ LEADS_TABLE: 'local-leads' }));

    try {
      // Act
      const target = await resolveTarget({ local: true }, { LEADLOOP_LOCAL_FILE: other });
      const missing = await resolveTarget({ local: true }, { LEADLOOP_LOCAL_FILE: '/tmp/none/local.json' });

      // Assess
      expect(target).toEqual({ ok: true, env: { LEADS_TABLE: 'other-leads' }, description: 'the local runtime (npm start)' });
      expect(missing).toMatchObject({ ok: false, message: expect.stringContaining('none/local.json is missing') });
    } finally {
      files.clear();
    }
  });

  it('says to start LeadLoop when npm start has not written the file', async () => {
    // Act
    const target = await resolveTarget({ local: true }, {});

    // Assess
    expect(target).toEqual({
      ok: false,
      message: `LeadLoop does not seem to run locally (${path.relative(process.cwd(), localFile)} is missing): start it with npm start`,
    });
  });
});

describe('the target\'s clock', () => {
  it('is a local runtime\'s virtual clock: from where it started, at its speed since its origin', () => {
    const origin = Date.now() - 10_000;
    const now = targetClock({ LEADLOOP_CLOCK_SPEED: '3600', LEADLOOP_CLOCK_ORIGIN: String(origin), LEADLOOP_CLOCK_START: '2027-01-11T15:00:00.000Z' })();
    // ten real seconds (and the few ms this test takes) at 3600x: ten hours after the start
    const hours = (now.getTime() - Date.parse('2027-01-11T15:00:00.000Z')) / 3_600_000;
    expect(hours).toBeGreaterThanOrEqual(10);
    expect(hours).toBeLessThan(10.5);
    // without a start, from the origin
    const fromOrigin = targetClock({ LEADLOOP_CLOCK_SPEED: '2', LEADLOOP_CLOCK_ORIGIN: String(origin) })().getTime() - origin;
    expect(fromOrigin).toBeGreaterThanOrEqual(20_000);
    expect(fromOrigin).toBeLessThan(21_000);
  });

  it('is the wall clock for a deployed stack (no clock in its settings) or a clock that cannot be read', () => {
    for (const env of [{}, { LEADLOOP_CLOCK_SPEED: 'fast', LEADLOOP_CLOCK_ORIGIN: '1' }, { LEADLOOP_CLOCK_SPEED: '0', LEADLOOP_CLOCK_ORIGIN: '1' }]) {
      const before = Date.now();
      const now = targetClock(env)().getTime();
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThanOrEqual(Date.now());
    }
  });
});

describe('the local runtime’s clock, from what npm start wrote', () => {
  it('runs at its speed from its origin, or from where LEADLOOP_CLOCK_START put it', () => {
    // Prepare
    const origin = Date.now() - 10_000;
    const started = Date.parse('2027-01-08T18:00:00Z');

    // Act
    const fast = localClockOf({ LEADLOOP_CLOCK_SPEED: '3600', LEADLOOP_CLOCK_ORIGIN: String(origin) });
    const elsewhere = localClockOf({ LEADLOOP_CLOCK_SPEED: '1', LEADLOOP_CLOCK_ORIGIN: String(origin), LEADLOOP_CLOCK_START: '2027-01-08T18:00:00.000Z' });

    // Assess: ten real seconds at 3600× are ten virtual hours
    expect(fast).toEqual({ speed: 3600, origin });
    expect(runtimeNow(fast!)().getTime() - origin).toBeGreaterThanOrEqual(10 * 3_600_000);
    expect(runtimeNow(fast!)().getTime() - origin).toBeLessThan(11 * 3_600_000);
    expect(elsewhere).toEqual({ speed: 1, origin, start: started });
    expect(runtimeNow(elsewhere!)().getTime() - started).toBeGreaterThanOrEqual(10_000);
    expect(runtimeNow(elsewhere!)().getTime() - started).toBeLessThan(60_000);
  });

  it('is none when the variables name no clock (a deployed stack’s, or the environment’s)', () => {
    expect(localClockOf({})).toBeUndefined();
    expect(localClockOf({ LEADLOOP_CLOCK_SPEED: '3600' })).toBeUndefined();
    expect(localClockOf({ LEADLOOP_CLOCK_SPEED: 'fast', LEADLOOP_CLOCK_ORIGIN: '1' })).toBeUndefined();
  });
});
