import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EscalationStepName } from '../../functions/core/journey-contract.ts';
import type { Email } from './email.ts';
import type { Nurture } from './nurture.ts';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { LeadFunction } from './lead-function.ts';
import { retryAwsFaults, retryConflicts } from './retries.ts';
import type { Tables } from './tables.ts';

export interface JourneyProps {
  readonly tables: Tables;
  readonly email: Email;
  /** Base URL of the HTTP API, for the links in hand-off emails. */
  readonly apiUrl: string;
  /** The nurture programs: a lead the escalation ladder recycles enters its program at once. */
  readonly nurture: Nurture;
}

/**
 * The lead journey, one Standard execution per cycle: route to a rep, hand
 * off, wait for acceptance under the service agreement, and escalate; after
 * the decision, follow up (sales clocks, feedback, the recontact date).
 * The timers are Step Functions' own (callback tasks with timeouts), not a cron job.
 */
export class Journey extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: JourneyProps) {
    super(scope, id);
    const { leads, events } = props.tables;
    const tableEnv = settingsEnvironment({ leadsTable: leads.tableName });
    const emailEnv = settingsEnvironment({ senderAddress: props.email.sender, sesConfigurationSet: props.email.configurationSet.configurationSetName });

    const assignRepFn = new LeadFunction(this, 'AssignRepFunction', {
      entry: 'journey/assign-rep-handler.ts',
      description: 'Routes a qualified lead to a rep and starts the acceptance clock, or queues it and tells the manager',
      environment: { ...tableEnv, ...emailEnv },
    });
    // the lead's traits, the reps and the round robin; the cycle with the rep's count (a transaction); the queue; the email's once-only record
    leads.grant(assignRepFn, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.email.grantSend(assignRepFn);

    const awaitRepFn = new LeadFunction(this, 'AwaitRepFunction', {
      entry: 'journey/await-rep-handler.ts',
      description: 'Keeps a queued lead’s task token on its queue item, where the drain finds it',
      environment: tableEnv,
    });
    leads.grant(awaitRepFn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');

    const sendHandoffFn = new LeadFunction(this, 'SendHandoffFunction', {
      entry: 'journey/send-handoff-handler.ts',
      description: 'Emails the rep the hand-off with reasons, history and one-click links',
      environment: { ...tableEnv, ...emailEnv, ...settingsEnvironment({ apiUrl: props.apiUrl, eventsTable: events.tableName }) },
    });
    // the lead (its profile and score, the markers of its recent events), the email's once-only record
    leads.grant(sendHandoffFn, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    // the bodies of the lead's recent events, for its history in the email
    events.grant(sendHandoffFn, 'dynamodb:BatchGetItem');
    props.email.grantSend(sendHandoffFn);

    const awaitAcceptanceFn = new LeadFunction(this, 'AwaitAcceptanceFunction', {
      entry: 'journey/await-acceptance-handler.ts',
      description: 'Keeps the task token where the rep’s outcome will find it',
      environment: tableEnv,
    });
    leads.grant(awaitAcceptanceFn, 'dynamodb:UpdateItem');

    const remindRepFn = new LeadFunction(this, 'RemindRepFunction', {
      entry: 'journey/remind-rep-handler.ts',
      description: 'Reminds the rep of an open hand-off before the acceptance deadline, once',
      environment: { ...tableEnv, ...emailEnv, ...settingsEnvironment({ apiUrl: props.apiUrl }) },
    });
    // the lead and its cycle, the link-signing key, the email's once-only record
    leads.grant(remindRepFn, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.email.grantSend(remindRepFn);

    const escalateFn = new LeadFunction(this, 'EscalateFunction', {
      entry: 'journey/escalate-handler.ts',
      description: 'Takes the next step of the escalation ladder when a deadline is missed',
      environment: { ...tableEnv, ...emailEnv, ...settingsEnvironment({ nurtureStateMachineArn: props.nurture.stateMachine.stateMachineArn }) },
    });
    // a recycled lead's nurture program is started (or, for a lead that must leave nurture, stopped)
    props.nurture.grantStartAndStop(escalateFn);
    // the lead (read as a writer reads it: settling what a save cut short left pending), its cycle, the email's once-only record
    leads.grant(escalateFn, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.email.grantSend(escalateFn);

    const followUpFn = new LeadFunction(this, 'FollowUpFunction', {
      entry: 'journey/follow-up-handler.ts',
      description: 'After the decision: the sales clocks, feedback reminders, the closed-lead feedback ask and the recontact date, each once',
      environment: { ...tableEnv, ...emailEnv, ...settingsEnvironment({ apiUrl: props.apiUrl, eventsTable: events.tableName }) },
    });
    // the lead, its cycle, activities and feedback; the steps taken on the cycle; the email's once-only record
    leads.grant(followUpFn, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    // the lead's return to sales on its recontact date, applied by the stream path
    events.grant(followUpFn, 'dynamodb:PutItem');
    props.email.grantSend(followUpFn);

    const awaitFollowUpFn = new LeadFunction(this, 'AwaitFollowUpFunction', {
      entry: 'journey/await-follow-up-handler.ts',
      description: 'Keeps the follow-up’s task token where the stream path wakes it when the lead’s stage moves',
      environment: tableEnv,
    });
    leads.grant(awaitFollowUpFn, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem');

    // A concurrent writer to the same lead is retried (retries.ts); Lambda's own
    // transient errors are retried by LambdaInvoke's default policy.
    // An AWS call that still fails after the SDK's own retries fails the function: the step runs again (retries.ts).
    const withRetries = <T extends LambdaInvoke>(task: T, conflicts = true): T => {
      if (conflicts) retryConflicts(task);
      return retryAwsFaults(task);
    };

    const assignRep = withRetries(new LambdaInvoke(this, 'Assign rep', {
      lambdaFunction: assignRepFn,
      payloadResponseOnly: true,
      resultPath: '$.assignment',
    }));

    // Nobody could take the lead: it waits in its team's queue until a drain gives it a rep (or, after a while, routes it again).
    const awaitRep = new LambdaInvoke(this, 'Await rep', {
      comment: 'Resumed with the assignment by the queue drain (a rep back, the schedule); times out to route the lead again',
      lambdaFunction: awaitRepFn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        leadId: JsonPath.stringAt('$.leadId'),
        cycle: JsonPath.numberAt('$.cycle'),
        teamId: JsonPath.stringAt('$.assignment.teamId'),
        taskToken: JsonPath.taskToken,
      }),
      taskTimeout: Timeout.at('$.assignment.waitSeconds'),
      resultPath: '$.assignment',
    });
    withRetries(awaitRep, false);
    awaitRep.addCatch(assignRep, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });

    const sendHandoff = withRetries(new LambdaInvoke(this, 'Send hand-off', {
      lambdaFunction: sendHandoffFn,
      payloadResponseOnly: true,
      resultPath: JsonPath.DISCARD,
    }), false);

    const awaitPayload = TaskInput.fromObject({
      leadId: JsonPath.stringAt('$.leadId'),
      cycle: JsonPath.numberAt('$.cycle'),
      taskToken: JsonPath.taskToken,
    });
    // Two waits on one clock: until the reminder, then until the deadline. A rep who
    // decides before the reminder costs no more transitions than one wait did.
    const awaitAcceptance = new LambdaInvoke(this, 'Await acceptance', {
      comment: 'Resumed by the outcome path with SendTaskSuccess; times out when the rep is to be reminded (the deadline, when the agreement sets no reminder)',
      lambdaFunction: awaitAcceptanceFn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: awaitPayload,
      taskTimeout: Timeout.at('$.assignment.remindWithinSeconds'),
      resultPath: '$.decision',
    });

    const remindRep = withRetries(new LambdaInvoke(this, 'Remind rep', {
      comment: 'Emails the owner once before the deadline, unless they decided meanwhile; answers the seconds left to the deadline',
      lambdaFunction: remindRepFn,
      payloadResponseOnly: true,
      resultPath: '$.reminder',
    }));

    const awaitAcceptanceAfterReminder = new LambdaInvoke(this, 'Await acceptance after reminder', {
      comment: 'The same wait, resumed the same way; times out at the acceptance deadline',
      lambdaFunction: awaitAcceptanceFn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: awaitPayload,
      taskTimeout: Timeout.at('$.reminder.acceptWithinSeconds'),
      resultPath: '$.decision',
    });

    // Escalate returns the whole next journey state, so no ResultPath: the
    // default ("$") replaces the state. (An explicit "$" trips the local interpreter.)
    const escalate = withRetries(new LambdaInvoke(this, 'Escalate', {
      lambdaFunction: escalateFn,
      payloadResponseOnly: true,
    }));

    const recycled = new Succeed(this, 'Recycled to marketing');
    const handoffFailed = new Fail(this, 'Hand-off failed', {
      comment: 'Alarmed on (JourneyFailedAlarm): a qualified lead whose hand-off or escalation could not be done',
      error: 'HandoffFailed',
    });
    sendHandoff.addCatch(handoffFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    // An escalation that cannot run (after its retries) leaves the lead unhandled just the same.
    escalate.addCatch(handoffFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    // So does a reminder that cannot run: without its answer the journey does not know how long to wait.
    remindRep.addCatch(handoffFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    const nextStep = new Choice(this, 'Next escalation step')
      .when(Condition.stringEquals('$.escalation.step', EscalationStepName.reassign), sendHandoff)
      .when(Condition.stringEquals('$.escalation.step', EscalationStepName.recycle), recycled)
      // notify-manager (and outcome-recorded): the same owner gets a fresh window, or the wait picks up the decision
      .otherwise(awaitAcceptance);

    // the callback tasks' functions store the token: when one fails, the task is tried again with a new token
    withRetries(awaitAcceptance, false);
    withRetries(awaitAcceptanceAfterReminder, false);
    awaitAcceptance.addCatch(remindRep, { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });
    remindRep.next(awaitAcceptanceAfterReminder);
    awaitAcceptanceAfterReminder.addCatch(escalate.next(nextStep), { errors: ['States.Timeout'], resultPath: JsonPath.DISCARD });

    // After the decision (accepted or rejected): follow up until nothing is left to chase.
    const followUp = withRetries(new LambdaInvoke(this, 'Follow up', {
      comment: 'Takes the follow-up steps due (reminders, manager notices, feedback asks, the return to sales) and says when to look again',
      lambdaFunction: followUpFn,
      payloadResponseOnly: true,
      resultPath: '$.followUp',
    }));
    followUp.addCatch(new Fail(this, 'Follow-up failed', {
      comment: 'Alarmed on (JourneyFailedAlarm): a decided lead whose reminders or feedback asks could not be sent',
      error: 'FollowUpFailed',
    }), { errors: ['States.ALL'], resultPath: '$.error' });
    const awaitFollowUp = new LambdaInvoke(this, 'Await follow-up', {
      comment: 'Times out when the next step is due; resumed by the stream path when the lead’s stage moves (won, lost, …)',
      lambdaFunction: awaitFollowUpFn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({
        leadId: JsonPath.stringAt('$.leadId'),
        cycle: JsonPath.numberAt('$.cycle'),
        stage: JsonPath.stringAt('$.followUp.stage'),
        taskToken: JsonPath.taskToken,
      }),
      taskTimeout: Timeout.at('$.followUp.waitSeconds'),
      resultPath: '$.resumed',
    });
    withRetries(awaitFollowUp, false);
    awaitFollowUp.addCatch(followUp, { errors: ['States.Timeout'], resultPath: '$.resumed' });
    awaitFollowUp.next(followUp);
    awaitAcceptanceAfterReminder.next(followUp);
    followUp.next(
      new Choice(this, 'Followed up?')
        .when(Condition.booleanEquals('$.followUp.done', true), new Succeed(this, 'Follow-up done'))
        .otherwise(awaitFollowUp),
    );

    sendHandoff.next(awaitAcceptance).next(followUp);

    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: 'LeadLoop lead journey: one execution per lead cycle',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        assignRep.next(
          new Choice(this, 'Rep found?')
            .when(Condition.and(Condition.isPresent('$.assignment.queued'), Condition.booleanEquals('$.assignment.queued', true)), awaitRep.next(sendHandoff))
            .otherwise(sendHandoff),
        ),
      ),
      // a Standard execution's limit: a lead sales works for months is followed until it closes
      timeout: Duration.days(365),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    // Await acceptance resumes the journey itself when the rep acted before the
    // wait began. grantTaskResponse() would put this in the function's default
    // policy, which the function depends on, and the state machine depends on
    // the function: a cycle. A separate policy breaks it.
    new Policy(this, 'AwaitAcceptanceResumesJourney', {
      roles: [awaitAcceptanceFn.role!, awaitFollowUpFn.role!, awaitRepFn.role!],
      statements: [new PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [this.stateMachine.stateMachineArn] })],
    });

    // A failed journey is a qualified lead without its hand-off or escalation: someone must look.
    new Alarm(this, 'JourneyFailedAlarm', {
      alarmDescription: 'A lead journey failed (Hand-off failed, or an error the retries did not cure): a qualified lead may be without its hand-off. See the execution in the Step Functions console.',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
