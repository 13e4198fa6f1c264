import { beforeAll, describe, expect, it } from 'vitest';
import { LeadLoopTemplate, SENDER } from './helpers.ts';

/** Every LeadLoop function, by the construct path lib/ gives it. */
const FUNCTIONS = {
  Ingest: 'Api/Ingest',
  Outcome: 'Api/Outcome',
  Feedback: 'Api/Feedback',
  Reports: 'Api/Reports',
  Leads: 'Api/Leads',
  Activities: 'Api/Activities',
  CrmOutcomes: 'Api/CrmOutcomes',
  Tracker: 'Tracker/Tracker',
  Dashboard: 'Api/Dashboard',
  AssignRep: 'Journey/AssignRepFunction',
  SendHandoff: 'Journey/SendHandoffFunction',
  AwaitAcceptance: 'Journey/AwaitAcceptanceFunction',
  Escalate: 'Journey/EscalateFunction',
  RemindRep: 'Journey/RemindRepFunction',
  FollowUp: 'Journey/FollowUpFunction',
  AwaitFollowUp: 'Journey/AwaitFollowUpFunction',
  Score: 'Scoring/Score',
  Digest: 'Digest/Function',
  NurtureStep: 'Nurture/NurtureStepFunction',
  NurtureClick: 'Nurture/NurtureClickFunction',
  Unsubscribe: 'Nurture/UnsubscribeFunction',
  DeliveryEvents: 'Nurture/DeliveryEventsFunction',
  AwaitRep: 'Journey/AwaitRepFunction',
  QueueDrain: 'QueueDrain/Function',
  Forget: 'Privacy/Forget',
  Export: 'Privacy/Export',
  JourneyReconciler: 'JourneyReconciler/Function',
} as const;
type FunctionName = keyof typeof FUNCTIONS;
const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

const EVENTS = 'Tables/Events.Arn';
const EVENTS_STREAM = 'Tables/Events.StreamArn';
const LEADS = 'Tables/Leads.Arn';
const LEADS_STREAM = 'Tables/Leads.StreamArn';
const JOURNEY = 'Journey/StateMachine';
const JOURNEY_EXECUTIONS = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:Journey/StateMachine.split(':')[6]:*";
const NURTURE = 'Nurture/StateMachine';
/** A nurture program's executions: what stopping one is granted on. */
const NURTURE_EXECUTIONS = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:Nurture/StateMachine.split(':')[6]:*";
// The sender's domain is the verified identity (lib/constructs/email.ts), not the whole account.
const SES_IDENTITY = 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com';
const SES_CONFIGURATION_SET = 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/Email/ConfigurationSet';

const LEADS_INDEXES = 'Tables/Leads.Arn/index/*';
// A grant on the leads table covers its indexes too: CDK's table grants add them once the table has one (the stalled-leads index).
const on = (resource: string, ...actions: string[]): string[] =>
  actions.flatMap((action) => (resource === LEADS ? [`${action} on ${LEADS}`, `${action} on ${LEADS_INDEXES}`] : [`${action} on ${resource}`]));
const XRAY = on('*', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords');
const SEND_EMAIL = [...on(SES_IDENTITY, 'ses:SendEmail'), ...on(SES_CONFIGURATION_SET, 'ses:SendEmail')];

/** What each function is granted, read from the grants in lib/constructs/*.ts. */
const EXPECTED_GRANTS: Record<FunctionName, string[]> = {
  Ingest: [...on(EVENTS, 'dynamodb:PutItem'), ...on(LEADS, 'dynamodb:GetItem'), ...XRAY],
  // the lead (its profile and score in one query, the markers since its ledger was folded), the cycle
  Outcome: [...on(EVENTS, 'dynamodb:PutItem'), ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'), ...XRAY],
  // the funnel counters' shards and a period's report items (one Query per day's partition), the stalled-leads index
  // (one Query per stage and shard) and the profiles it points to, the comments of a period's days; never a scan
  Reports: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'), ...XRAY],
  // the identity link, then the lead (profile and score, its markers: queries of its own partition) and its recent events; never a scan
  // the feedback, its event and its report counts (ADD) in one transaction
  Feedback: [...on(EVENTS, 'dynamodb:PutItem'), ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'), ...XRAY],
  Leads: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query'), ...on(EVENTS, 'dynamodb:BatchGetItem'), ...XRAY],
  // erasure: the key, the identity link, profiles and partitions (Query), tombstones (BatchGet, BatchWrite), deletes in both
  // tables (BatchWrite), the nurture enrollment's end on the profile; the person's journeys and nurture program stopped
  Forget: [
    ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'),
    ...on(EVENTS, 'dynamodb:BatchWriteItem'),
    ...on(JOURNEY_EXECUTIONS, 'states:StopExecution'),
    ...on(NURTURE_EXECUTIONS, 'states:StopExecution'),
    ...XRAY,
  ],
  // export: reads only
  Export: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'), ...on(EVENTS, 'dynamodb:BatchGetItem'), ...XRAY],
  // the key, the identity link, the lead; the outcomes put once (one transaction of Puts) and the repeats looked up; never a lead write
  CrmOutcomes: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query'), ...on(EVENTS, 'dynamodb:PutItem', 'dynamodb:BatchGetItem'), ...XRAY],
  // serves a script: no table, no email, no journey
  Tracker: [...XRAY],
  // serves a page and its script; the page reads the reports with the signed-in person's key
  Dashboard: [...XRAY],
  // the lead's traits, the reps and the round robin; the cycle with the rep's count (a transaction); the queue; the manager's notice, once
  AssignRep: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'), ...SEND_EMAIL, ...XRAY],
  // keeps the queued lead's token on its queue item, and resumes itself when a drain took the lead first
  AwaitRep: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:UpdateItem'), ...on(JOURNEY, 'states:SendTaskSuccess'), ...XRAY],
  // the queues, reps and round robins; the cycle with the rep's count; the lead's owner; resumes the waiting journeys;
  // the event source mapping reads the leads stream (reps' items whose open leads dropped)
  QueueDrain: [
    ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'),
    ...on(LEADS_STREAM, 'dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'),
    ...on(JOURNEY, 'states:SendTaskSuccess', 'states:SendTaskHeartbeat'),
    ...XRAY,
  ],
  // the open cycles (the index, then the cycles), a lead's profile, the resumption count, an ended cycle's index entry; which journeys run, and a resumed one's start
  JourneyReconciler: [
    ...on(LEADS, 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
    ...on(JOURNEY, 'states:ListExecutions', 'states:StartExecution'),
    ...on(JOURNEY_EXECUTIONS, 'states:DescribeExecution'),
    ...XRAY,
  ],
  // the lead as the lead view reads it (its recent events for the email's history), the email's once-only record
  SendHandoff: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'), ...on(EVENTS, 'dynamodb:BatchGetItem'), ...SEND_EMAIL, ...XRAY],
  // resumes its own task when the rep's outcome was recorded before the wait began
  AwaitAcceptance: [...on(LEADS, 'dynamodb:UpdateItem'), ...on(JOURNEY, 'states:SendTaskSuccess'), ...XRAY],
  // the lead and its cycle, the link-signing key, the reminder's once-only record
  RemindRep: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'), ...SEND_EMAIL, ...XRAY],
  Escalate: [
    // the lead read as a writer reads it (settling what a save cut short left), its cycle, the email's once-only record
    ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'),
    ...SEND_EMAIL,
    // a lead the ladder recycles enters its nurture program at once
    ...on(NURTURE, 'states:StartExecution'),
    ...on(NURTURE_EXECUTIONS, 'states:StopExecution'),
    ...XRAY,
  ],
  // the key, the lead by id or its email's link (profile and score: a query of its partition), the activity with its event
  Activities: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'), ...on(EVENTS, 'dynamodb:PutItem'), ...XRAY],
  // the lead, its cycle, activities and feedback (queries of its partition), the steps taken, the email's once-only record;
  // the return to sales is an event for the stream path
  FollowUp: [
    ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'),
    ...on(EVENTS, 'dynamodb:PutItem'),
    ...SEND_EMAIL,
    ...XRAY,
  ],
  // keeps its token on the cycle, reads the lead's stage again, and resumes itself when it moved
  AwaitFollowUp: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'), ...on(JOURNEY, 'states:SendTaskSuccess'), ...XRAY],
  // the funnel counters, the week's report items and comments, the stalled-leads index, the link-signing key, the digest's once-only send record
  Digest: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'), ...SEND_EMAIL, ...XRAY],
  Score: [
    // the lead transaction (Put/Update items), identity and marker look-ups (BatchGet), the lead itself (Get);
    // a merge lists both leads' markers (Query), reads their events (BatchGet) and moves markers and links (BatchWrite),
    // and removes the absorbed lead's queue items (Delete)
    ...on(LEADS, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'),
    ...on(EVENTS, 'dynamodb:BatchGetItem'),
    // an event of an erased person is deleted, never applied
    ...on(EVENTS, 'dynamodb:BatchWriteItem'),
    // the event source mapping reads the events stream
    ...on(EVENTS_STREAM, 'dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'),
    ...on(JOURNEY, 'states:StartExecution', 'states:SendTaskSuccess'),
    // a merge stops the absorbed lead's journeys: executions of the journey's machine only
    ...on(JOURNEY_EXECUTIONS, 'states:StopExecution'),
    // a lead entering nurture starts its program; one leaving it (an MQL now) has it stopped
    ...on(NURTURE, 'states:StartExecution'),
    ...on(NURTURE_EXECUTIONS, 'states:StopExecution'),
    // the event source mapping sets records it gives up on aside
    ...on('Scoring/FailedRecords.Arn', 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'),
    ...XRAY,
  ],
  // the lead (profile, score, markers), the suppression list, the signing key, the enrollment's end, the email's once-only record
  NurtureStep: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'), ...SEND_EMAIL, ...XRAY],
  // the signing key and the lead's profile; the click stored once as an event
  NurtureClick: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:PutItem'), ...on(EVENTS, 'dynamodb:PutItem'), ...XRAY],
  // the signing key, the profile, the suppression list, the enrollment's end; stopping the program
  Unsubscribe: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'), ...on(NURTURE_EXECUTIONS, 'states:StopExecution'), ...XRAY],
  // the suppression list, the identity link, the profile, the enrollment's end; stopping the program
  DeliveryEvents: [...on(LEADS, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'), ...on(NURTURE_EXECUTIONS, 'states:StopExecution'), ...XRAY],
};

describe('LeadLoop stack', () => {
  let t: LeadLoopTemplate;
  const fn = (name: FunctionName) => t.logicalId(FUNCTIONS[name]);
  const environmentOf = (name: FunctionName): Record<string, unknown> => {
    const environment = t.resource(fn(name), 'AWS::Lambda::Function').Properties?.Environment as { Variables?: Record<string, unknown> } | undefined;
    return environment?.Variables ?? {};
  };
  /** The functions (by name) whose role may perform an action matching `test`. */
  const functionsAllowedTo = (test: (action: string) => boolean): FunctionName[] =>
    FUNCTION_NAMES.filter((name) => t.actionsOf(fn(name)).some(test)).sort();

  beforeAll(() => {
    t = new LeadLoopTemplate();
  });

  describe('functions', () => {
    it('are exactly the LeadLoop functions, with no helper functions added by constructs', () => {
      expect(t.logicalIdsOfType('AWS::Lambda::Function').sort()).toEqual(FUNCTION_NAMES.map(fn).sort());
    });

    it('all run Node.js 24 on arm64 with active tracing', () => {
      const functions = Object.values(t.template.findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(FUNCTION_NAMES.length);
      for (const { Properties } of functions) {
        expect(Properties.Runtime).toBe('nodejs24.x');
        expect(Properties.Architectures).toEqual(['arm64']);
        expect(Properties.TracingConfig).toEqual({ Mode: 'Active' });
      }
    });

    it('receive table names as references to the stack’s tables, never as hard-coded names', () => {
      const tables = new Set(t.logicalIdsOfType('AWS::DynamoDB::GlobalTable'));
      for (const name of FUNCTION_NAMES) {
        const environment = environmentOf(name);
        // every function but the tracker and the dashboard works on leads; the table variables of all of them are checked below
        if (name === 'Tracker' || name === 'Dashboard') expect(Object.keys(environment).filter((variable) => variable.endsWith('_TABLE')), name).toEqual([]);
        else expect(environment.LEADS_TABLE, name).toEqual({ Ref: t.logicalId('Tables/Leads') });
        if ('EVENTS_TABLE' in environment) expect(environment.EVENTS_TABLE, name).toEqual({ Ref: t.logicalId('Tables/Events') });
        for (const [variable, value] of Object.entries(environment)) {
          if (!variable.endsWith('_TABLE')) continue;
          expect(value, `${name} ${variable}`).toEqual({ Ref: expect.any(String) });
          expect([...tables], `${name} ${variable}`).toContain((value as { Ref: string }).Ref);
        }
      }
    });

    it('that send email know the sender and the configuration set, and the others do not', () => {
      t.template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
      const configurationSet = { Ref: t.logicalId('Email/ConfigurationSet') };
      for (const name of FUNCTION_NAMES) {
        const environment = environmentOf(name);
        if (name === 'AssignRep' || name === 'SendHandoff' || name === 'Escalate' || name === 'RemindRep' || name === 'FollowUp' || name === 'Digest' || name === 'NurtureStep') {
          expect(environment.SENDER_ADDRESS, name).toBe(SENDER);
          expect(environment.SES_CONFIGURATION_SET, name).toEqual(configurationSet);
        } else {
          expect(environment, name).not.toHaveProperty('SENDER_ADDRESS');
          expect(environment, name).not.toHaveProperty('SES_CONFIGURATION_SET');
        }
      }
    });

    it('find the journey by reference to the state machine', () => {
      expect(environmentOf('Score').JOURNEY_STATE_MACHINE_ARN).toEqual({ Ref: t.logicalId('Journey/StateMachine') });
    });

    it('that start or stop nurture programs find them by reference to the state machine', () => {
      for (const name of ['Score', 'Unsubscribe', 'DeliveryEvents', 'Escalate'] as const) {
        expect(environmentOf(name).NURTURE_STATE_MACHINE_ARN, name).toEqual({ Ref: t.logicalId('Nurture/StateMachine') });
      }
    });
  });

  describe('least privilege', () => {
    it.each(FUNCTION_NAMES)('the %s function is granted exactly the access its grants in lib/ describe', (name) => {
      expect(t.grantsOf(fn(name))).toEqual([...EXPECTED_GRANTS[name]].sort());
    });

    it('no function may scan a table or use a wildcard action', () => {
      for (const id of t.logicalIdsOfType('AWS::Lambda::Function')) {
        const actions = t.actionsOf(id);
        expect(actions.length, id).toBeGreaterThan(0);
        expect(actions, id).not.toContain('dynamodb:Scan');
        expect(actions.filter((action) => action.includes('*')), id).toEqual([]);
      }
    });

    it('the reports function can only read', () => {
      const actions = t.actionsOf(fn('Reports'));
      const writes = actions.filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)|^ses:|^states:/.test(action));
      expect(writes).toEqual([]);
      expect(actions).toContain('dynamodb:GetItem');
    });

    it('only the stream path and the reconciler start journeys, it and the escalation’s recycle start nurture programs, and only it, the journey’s three waits and the queue drain resume journeys', () => {
      expect(functionsAllowedTo((action) => action === 'states:StartExecution')).toEqual(['Escalate', 'JourneyReconciler', 'Score']);
      expect(t.grantsOf(fn('Escalate')).filter((grant) => grant.startsWith('states:StartExecution'))).toEqual([`states:StartExecution on ${NURTURE}`]);
      expect(functionsAllowedTo((action) => action === 'states:SendTaskSuccess')).toEqual(['AwaitAcceptance', 'AwaitFollowUp', 'AwaitRep', 'QueueDrain', 'Score']);
      // the global exit: the stream path (an MQL), the unsubscribe link and SES's bounces and complaints stop a lead's
      // program; the escalation's recycle stops one a lead without consent must leave; an erasure stops the person's
      // journeys and program
      expect(functionsAllowedTo((action) => action === 'states:StopExecution')).toEqual(['DeliveryEvents', 'Escalate', 'Forget', 'Score', 'Unsubscribe']);
      expect(functionsAllowedTo((action) => action.startsWith('states:'))).toEqual(['AwaitAcceptance', 'AwaitFollowUp', 'AwaitRep', 'DeliveryEvents', 'Escalate', 'Forget', 'JourneyReconciler', 'QueueDrain', 'Score', 'Unsubscribe']);
    });

    it('only the rep assignment (the queued lead’s notice), the hand-off, reminder, escalation and follow-up steps, the weekly digest and the nurture step may send email', () => {
      expect(functionsAllowedTo((action) => action === 'ses:SendEmail')).toEqual(['AssignRep', 'Digest', 'Escalate', 'FollowUp', 'NurtureStep', 'RemindRep', 'SendHandoff']);
      expect(functionsAllowedTo((action) => action.startsWith('ses:'))).toEqual(['AssignRep', 'Digest', 'Escalate', 'FollowUp', 'NurtureStep', 'RemindRep', 'SendHandoff']);
    });

    it('every function role has the basic execution policy and no other managed policy', () => {
      for (const id of t.logicalIdsOfType('AWS::Lambda::Function')) {
        const role = t.resource(t.roleOf(id), 'AWS::IAM::Role');
        const managed = (role.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? [];
        expect(managed.map((arn) => t.describe(arn)), id).toEqual([
          'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        ]);
      }
    });
  });

  describe('queue drain', () => {
    it('fires every quarter of an hour, invoking the drain function with no team (every queue)', () => {
      const schedules = Object.entries(t.template.findResources('AWS::Scheduler::Schedule')).filter(([id]) => id.startsWith('QueueDrain'));
      expect(schedules).toHaveLength(1);
      const properties = schedules[0]![1].Properties as { ScheduleExpression: string; Target: Record<string, unknown> };
      expect(properties.ScheduleExpression).toBe('cron(0,15,30,45 * * * ? *)');
      expect(t.describe(properties.Target.Arn)).toBe(`${FUNCTIONS.QueueDrain}.Arn`);
      expect(JSON.parse(t.describe(properties.Target.Input))).toEqual({});
    });

    it('is also fed the leads stream with both images, filtered to modified reps’ items, so a rep whose open leads drop drains their team at once', () => {
      const { Properties: table } = t.resource(t.logicalId('Tables/Leads'), 'AWS::DynamoDB::GlobalTable');
      expect(table?.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
      const mappings = Object.values(t.template.findResources('AWS::Lambda::EventSourceMapping'))
        .map((m) => m.Properties as Record<string, unknown>)
        .filter((p) => t.describe(p.EventSourceArn) === LEADS_STREAM);
      expect(mappings).toHaveLength(1);
      const mapping = mappings[0]!;
      expect(mapping.FunctionName).toEqual({ Ref: fn('QueueDrain') });
      const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((f) => JSON.parse(f.Pattern) as unknown);
      expect(filters).toEqual([{ eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'REP#' }] } } } }]);
      // a failing batch is retried a little, then left to the schedule
      expect(mapping.MaximumRetryAttempts).toBe(2);
    });
  });

  describe('journey reconciler', () => {
    it('fires every quarter of an hour, between the queue drain’s firings, invoking the reconciler', () => {
      const schedules = Object.entries(t.template.findResources('AWS::Scheduler::Schedule')).filter(([id]) => id.startsWith('JourneyReconciler'));
      expect(schedules).toHaveLength(1);
      const properties = schedules[0]![1].Properties as { ScheduleExpression: string; Target: Record<string, unknown> };
      expect(properties.ScheduleExpression).toBe('cron(7,22,37,52 * * * ? *)');
      expect(t.describe(properties.Target.Arn)).toBe(`${FUNCTIONS.JourneyReconciler}.Arn`);
    });
  });

  describe('weekly digest', () => {
    const schedule = () => {
      const [only, ...others] = Object.entries(t.template.findResources('AWS::Scheduler::Schedule'))
        .filter(([id]) => id.startsWith('Digest'))
        .map(([, resource]) => resource);
      expect(others).toEqual([]);
      return only!.Properties as { ScheduleExpression: string; ScheduleExpressionTimezone: string; State?: string; FlexibleTimeWindow: unknown; Target: Record<string, unknown> };
    };

    it('fires on Monday at 08:00 in the company’s time zone (config/digest.json), exactly then', () => {
      expect(schedule().ScheduleExpression).toBe('cron(0 8 ? * MON *)');
      expect(schedule().ScheduleExpressionTimezone).toBe('Europe/Berlin');
      expect(schedule().FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(schedule().State ?? 'ENABLED').toBe('ENABLED');
    });

    it('invokes the digest function with its scheduled time, retrying a bounded number of times', () => {
      const target = schedule().Target;
      expect(t.describe(target.Arn)).toBe(`${FUNCTIONS.Digest}.Arn`);
      expect(JSON.parse(t.describe(target.Input))).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
      const retry = target.RetryPolicy as { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number };
      expect(retry.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
      expect(retry.MaximumEventAgeInSeconds).toBeLessThanOrEqual(24 * 3600);
    });

    it('runs as a role that may invoke the digest function and nothing else', () => {
      const role = t.logicalId(t.describe(schedule().Target.RoleArn).replace(/\.Arn$/, ''));
      const statements = Object.values(t.template.findResources('AWS::IAM::Policy'))
        .filter((policy) => (policy.Properties.Roles as unknown[]).some((r) => (r as { Ref?: string }).Ref === role))
        .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
      const grants = statements.flatMap((st) => [st.Action].flat().flatMap((action) => [st.Resource].flat().map((resource) => `${String(action)} on ${t.describe(resource)}`)));
      expect(grants.length).toBeGreaterThan(0);
      for (const grant of grants) expect(grant).toMatch(new RegExp(`^lambda:InvokeFunction on ${FUNCTIONS.Digest}\\.Arn`));
    });

    it('links to the dashboard beside the API', () => {
      expect(t.describe(environmentOf('Digest').API_URL)).toContain('Api/HttpApi');
    });
  });

  describe('tables', () => {
    it('are two on-demand global tables with point-in-time recovery on every replica', () => {
      const tables = t.template.findResources('AWS::DynamoDB::GlobalTable');
      expect(Object.keys(tables).sort()).toEqual([t.logicalId('Tables/Events'), t.logicalId('Tables/Leads')].sort());
      for (const [id, { Properties }] of Object.entries(tables)) {
        expect(Properties.BillingMode, id).toBe('PAY_PER_REQUEST');
        const replicas = Properties.Replicas as { PointInTimeRecoverySpecification?: unknown }[];
        expect(replicas.length, id).toBeGreaterThan(0);
        for (const replica of replicas) {
          expect(replica.PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
        }
      }
    });

    it('outlive the stack: lead data is retained on delete and on replacement', () => {
      for (const path of ['Tables/Events', 'Tables/Leads']) {
        const table = t.resource(t.logicalId(path), 'AWS::DynamoDB::GlobalTable');
        expect(table.DeletionPolicy, path).toBe('Retain');
        expect(table.UpdateReplacePolicy, path).toBe('Retain');
      }
    });

    it('store each event once under its messageId and stream new events to scoring', () => {
      const { Properties } = t.resource(t.logicalId('Tables/Events'), 'AWS::DynamoDB::GlobalTable');
      expect(Properties?.KeySchema).toEqual([{ AttributeName: 'messageId', KeyType: 'HASH' }]);
      expect(Properties?.AttributeDefinitions).toEqual([{ AttributeName: 'messageId', AttributeType: 'S' }]);
      expect(Properties?.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    });

    it('keep leads under a pk/sk key', () => {
      const { Properties } = t.resource(t.logicalId('Tables/Leads'), 'AWS::DynamoDB::GlobalTable');
      expect(Properties?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Properties?.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
      );
    });

    it('index the leads that can stall, sparsely: by stage and shard, oldest in stage first, with only the owner projected', () => {
      const { Properties } = t.resource(t.logicalId('Tables/Leads'), 'AWS::DynamoDB::GlobalTable');
      expect(Properties?.GlobalSecondaryIndexes).toEqual([
        {
          IndexName: 'stalled',
          KeySchema: [
            { AttributeName: 'openStage', KeyType: 'HASH' },
            { AttributeName: 'stageSince', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['owner'] },
        },
      ]);
      expect(Properties?.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'openStage', AttributeType: 'S' },
          { AttributeName: 'stageSince', AttributeType: 'S' },
        ]),
      );
    });
  });

  describe('journey state machine', () => {
    it('is a Standard workflow that logs every event with its data and is traced', () => {
      const { Properties } = t.resource(t.logicalId('Journey/StateMachine'), 'AWS::StepFunctions::StateMachine');
      expect(Properties?.StateMachineType).toBe('STANDARD');
      expect(Properties?.LoggingConfiguration).toEqual({
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [t.logicalId('Journey/Logs'), 'Arn'] } } }],
      });
      expect(Properties?.TracingConfiguration).toEqual({ Enabled: true });
    });
  });

  describe('nurture', () => {
    it('is a Standard workflow, traced, whose waits come from the program (SecondsPath) and which loops until the lead leaves', () => {
      const { Properties } = t.resource(t.logicalId(NURTURE), 'AWS::StepFunctions::StateMachine');
      expect(Properties?.StateMachineType).toBe('STANDARD');
      expect(Properties?.TracingConfiguration).toEqual({ Enabled: true });
      const definition = JSON.parse(t.describe(Properties?.DefinitionString)) as { StartAt: string; States: Record<string, Record<string, unknown>> };
      const wait = definition.States[definition.StartAt]!;
      expect(wait).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds' });
      const step = definition.States[wait.Next as string]!;
      expect(step.Type).toBe('Task');
      const choice = definition.States[step.Next as string]!;
      expect(choice.Choices).toEqual([{ Variable: '$.action', StringEquals: 'wait', Next: definition.StartAt }]);
    });

    it('feeds SES bounces and complaints of the configuration set to the function that suppresses them', () => {
      const destinations = Object.values(t.template.findResources('AWS::SES::ConfigurationSetEventDestination')).map((d) => d.Properties as Record<string, unknown>);
      expect(destinations).toHaveLength(1);
      const destination = destinations[0]!.EventDestination as { MatchingEventTypes: string[]; SnsDestination: { TopicARN: unknown }; Enabled: boolean };
      expect(destinations[0]!.ConfigurationSetName).toEqual({ Ref: t.logicalId('Email/ConfigurationSet') });
      expect([...destination.MatchingEventTypes].sort()).toEqual(['bounce', 'complaint']);
      const topic = destination.SnsDestination.TopicARN;
      const subscriptions = Object.values(t.template.findResources('AWS::SNS::Subscription')).map((s) => s.Properties as Record<string, unknown>);
      expect(subscriptions).toEqual([expect.objectContaining({ Protocol: 'lambda', TopicArn: topic, Endpoint: { 'Fn::GetAtt': [fn('DeliveryEvents'), 'Arn'] } })]);
    });
  });

  describe('stream scoring', () => {
    const mapping = () => {
      const [only, ...others] = Object.values(t.template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => t.describe(m.Properties?.EventSourceArn) === EVENTS_STREAM);
      expect(others).toEqual([]);
      return only!.Properties as Record<string, unknown>;
    };
    const failedRecords = () => t.logicalId('Scoring/FailedRecords');

    it('reads the events stream from the start into the Score function, in batches of up to 100 gathered for a second', () => {
      expect(t.describe(mapping().EventSourceArn)).toBe(EVENTS_STREAM);
      expect(mapping().FunctionName).toEqual({ Ref: fn('Score') });
      expect(mapping().StartingPosition).toBe('TRIM_HORIZON');
      expect(mapping().BatchSize).toBe(100);
      expect(mapping().MaximumBatchingWindowInSeconds).toBe(1);
    });

    it('isolates a failing record: reports failed records, bisects a failing batch, retries a bounded number of times and gives up on old records', () => {
      expect(mapping().FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping().BisectBatchOnFunctionError).toBe(true);
      const retries = mapping().MaximumRetryAttempts;
      expect(typeof retries === 'number' && retries >= 1 && retries <= 10).toBe(true);
      const maxAge = mapping().MaximumRecordAgeInSeconds;
      // bounded, and short of the stream's 24-hour retention so a set-aside range can still be redriven from it
      expect(typeof maxAge === 'number' && maxAge >= 60 && maxAge < 24 * 3600).toBe(true);
    });

    it('sets a record it gives up on aside in an encrypted queue kept 14 days, which the Score function may write to', () => {
      expect(t.describe((mapping().DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination)).toBe('Scoring/FailedRecords.Arn');
      const queue = t.resource(failedRecords(), 'AWS::SQS::Queue').Properties ?? {};
      expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
      expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      expect(t.grantsOf(fn('Score'))).toEqual(expect.arrayContaining(['sqs:SendMessage on Scoring/FailedRecords.Arn']));
    });

    it('raises an alarm as soon as a record is set aside, and when scoring falls behind the stream', () => {
      const alarms = Object.values(t.template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
      const onQueue = alarms.filter((a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible');
      expect(onQueue).toHaveLength(1);
      expect(onQueue[0]!.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failedRecords(), 'QueueName'] } }]);
      expect(onQueue[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });

      const behind = alarms.filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'IteratorAge');
      expect(behind).toHaveLength(1);
      expect(behind[0]!.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: fn('Score') } }]);
      expect(behind[0]).toMatchObject({ Statistic: 'Maximum', ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      // IteratorAge is in milliseconds: the alarm fires well before records are given up for age
      expect(behind[0]!.Threshold).toBeLessThan((mapping().MaximumRecordAgeInSeconds as number) * 1000);
    });
  });

  describe('HTTP API', () => {
    /** Which function serves a route: Target `integrations/<integration>` → the integration's IntegrationUri. */
    const functionServing = (target: unknown): string => {
      const integrationPath = t.describe(target).replace(/^integrations\//, '');
      const integration = t.resource(t.logicalId(integrationPath), 'AWS::ApiGatewayV2::Integration');
      return t.describe(integration.Properties?.IntegrationUri).replace(/\.Arn$/, '');
    };

    it('serves ingestion (Segment’s paths and its browser library’s short ones), hand-off actions, lead reads, CRM outcomes, reports and the tracker script, each route by the function of its concern', () => {
      const routes = Object.values(t.template.findResources('AWS::ApiGatewayV2::Route')).map(
        ({ Properties }) => [Properties.RouteKey as string, functionServing(Properties.Target)] as const,
      );
      expect(new Map(routes)).toEqual(
        new Map([
          ['POST /v1/track', FUNCTIONS.Ingest],
          ['POST /v1/page', FUNCTIONS.Ingest],
          ['POST /v1/identify', FUNCTIONS.Ingest],
          ['POST /v1/group', FUNCTIONS.Ingest],
          ['POST /v1/alias', FUNCTIONS.Ingest],
          ['POST /v1/batch', FUNCTIONS.Ingest],
          // analytics.js 2.0 posts each call to the first letter of its type, a batch to /b
          ['POST /v1/t', FUNCTIONS.Ingest],
          ['POST /v1/p', FUNCTIONS.Ingest],
          ['POST /v1/i', FUNCTIONS.Ingest],
          ['POST /v1/g', FUNCTIONS.Ingest],
          ['POST /v1/a', FUNCTIONS.Ingest],
          ['POST /v1/b', FUNCTIONS.Ingest],
          // and reports its own delivery metrics, which nothing keeps
          ['POST /v1/m', FUNCTIONS.Tracker],
          ['GET /v1/handoffs/{leadId}/{cycle}/{action}', FUNCTIONS.Outcome],
          ['POST /v1/handoffs/{leadId}/{cycle}/{action}', FUNCTIONS.Outcome],
          ['GET /v1/feedback/{leadId}/{cycle}/{occasion}', FUNCTIONS.Feedback],
          ['POST /v1/feedback/{leadId}/{cycle}/{occasion}', FUNCTIONS.Feedback],
          ['GET /v1/reports/funnel', FUNCTIONS.Reports],
          ['GET /v1/reports/calibration', FUNCTIONS.Reports],
          ['GET /v1/reports/attribution', FUNCTIONS.Reports],
          ['GET /v1/reports/service-agreement', FUNCTIONS.Reports],
          ['GET /v1/reports/stalled', FUNCTIONS.Reports],
          ['GET /v1/reports/feedback', FUNCTIONS.Reports],
          ['GET /v1/leads/{leadId}', FUNCTIONS.Leads],
          ['GET /v1/leads', FUNCTIONS.Leads],
          // the person's rights: erasure and export
          ['DELETE /v1/leads/{leadId}', FUNCTIONS.Forget],
          ['GET /v1/leads/{leadId}/export', FUNCTIONS.Export],
          ['POST /v1/activities', FUNCTIONS.Activities],
          ['POST /v1/outcomes', FUNCTIONS.CrmOutcomes],
          ['GET /t.js', FUNCTIONS.Tracker],
          // an HTTP API routes no method it was not given: HEAD is not GET's
          ['HEAD /t.js', FUNCTIONS.Tracker],
          ['GET /dashboard', FUNCTIONS.Dashboard],
          ['GET /dashboard/app.js', FUNCTIONS.Dashboard],
          // nurture emails' tracked links and the unsubscribe link (GET asks, POST unsubscribes: the page's button or one-click)
          ['GET /v1/nurture/{leadId}/{programId}/{cycle}/{stepId}/{linkId}', FUNCTIONS.NurtureClick],
          ['GET /v1/unsubscribe/{leadId}', FUNCTIONS.Unsubscribe],
          ['POST /v1/unsubscribe/{leadId}', FUNCTIONS.Unsubscribe],
        ]),
      );
      expect(routes).toHaveLength(36);
    });

    it('lets browsers post events cross-origin with the headers Segment’s browser library sends, one preflight covering many', () => {
      const [api, ...others] = Object.values(t.template.findResources('AWS::ApiGatewayV2::Api'));
      expect(others).toEqual([]);
      const cors = api?.Properties.CorsConfiguration as { AllowOrigins: string[]; AllowMethods: string[]; AllowHeaders: string[]; MaxAge?: number };
      expect(cors.AllowOrigins).toEqual(['*']);
      expect(cors.AllowMethods).toEqual(expect.arrayContaining(['POST', 'GET']));
      // Basic auth with the write key, text/plain bodies, and X-Retry-Count on a retry
      expect(cors.AllowHeaders.map((h) => h.toLowerCase())).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-retry-count']));
      expect(cors.MaxAge).toBeGreaterThanOrEqual(3600);
    });
  });
});
