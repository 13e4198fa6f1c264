import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Choice, Condition, DefinitionBody, Fail, LogLevel, StateMachine, StateMachineType, Succeed, Wait, WaitTime } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import type { Email } from './email.ts';
import { LeadFunction } from './lead-function.ts';
import { retryAwsFaults, retryConflicts } from './retries.ts';
import type { Tables } from './tables.ts';

export interface NurtureProps {
  readonly tables: Tables;
  readonly email: Email;
  /** The API the nurture links (tracked clicks, unsubscribe) are served on; their routes are added to it. */
  readonly httpApi: HttpApi;
}

/**
 * Nurture (config/nurture.json): one Standard execution per lead, program and
 * cycle, started by the stream path. It waits, runs a step (which checks the
 * global exit before it sends), and loops until the lead leaves or the program
 * ends; whoever records an exit (the stream path on MQL, the unsubscribe link,
 * a bounce) also stops the execution at once. Beside it: the tracked links and
 * the unsubscribe link on the API, and SES's bounce and complaint events
 * (the configuration set's event destination, an SNS topic) feeding the
 * suppression list.
 */
export class Nurture extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: NurtureProps) {
    super(scope, id);
    const { leads, events } = props.tables;
    const apiUrl = props.httpApi.apiEndpoint;

    const stepFn = new LeadFunction(this, 'NurtureStepFunction', {
      entry: 'nurture/step-handler.ts',
      description: 'Sends a nurture step once, after checking the lead may still get it (consent, suppression, the global exit)',
      environment: settingsEnvironment({
        leadsTable: leads.tableName,
        apiUrl,
        senderAddress: props.email.sender,
        sesConfigurationSet: props.email.configurationSet.configurationSetName,
      }),
    });
    // the lead (profile, score, markers), the suppression list, the signing key, the enrollment's end, the email's once-only record
    leads.grant(stepFn, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.email.grantSend(stepFn);

    const wait = new Wait(this, 'Wait for the next step', { time: WaitTime.secondsPath('$.waitSeconds') });
    // The step returns the whole next state, so no ResultPath (an explicit "$" trips the local interpreter).
    const step = retryConflicts(new LambdaInvoke(this, 'Nurture step', {
      comment: 'Checks the global exit, sends the step at most once, and says how long until the next',
      lambdaFunction: stepFn,
      payloadResponseOnly: true,
    }));
    // an AWS fault (a throttle, a timeout) is tried again too, as the journey's steps are: one failed call does not end a lead's nurture
    retryAwsFaults(step);
    step.addCatch(new Fail(this, 'Nurture step failed', { comment: 'Alarmed on (NurtureFailedAlarm)', error: 'NurtureStepFailed' }), { errors: ['States.ALL'], resultPath: '$.error' });
    wait.next(step).next(
      new Choice(this, 'Another step?')
        .when(Condition.stringEquals('$.action', 'wait'), wait)
        // exit (the lead left: an MQL, sales', unsubscribed, bounced, …) or done (the program's last step)
        .otherwise(new Succeed(this, 'Out of nurture')),
    );

    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: 'LeadLoop nurture: one execution per lead, program and cycle',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(wait),
      // a Standard execution's limit; config/nurture.json keeps each wait within it
      timeout: Duration.days(365),
      tracingEnabled: true,
      // every transition (a few per email step), without the execution's data (an address, a lead's traits)
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    new Alarm(this, 'NurtureFailedAlarm', {
      alarmDescription: 'A nurture execution failed: a step could not be sent after its retries. See the execution in the Step Functions console.',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const stopperEnv = settingsEnvironment({ leadsTable: leads.tableName, nurtureStateMachineArn: this.stateMachine.stateMachineArn });

    const click = new LeadFunction(this, 'NurtureClickFunction', {
      entry: 'nurture/click-handler.ts',
      description: 'Records a click on a nurture link as an event (it scores) and redirects to the link',
      memorySize: 256,
      environment: settingsEnvironment({ leadsTable: leads.tableName, eventsTable: events.tableName }),
    });
    // the signing key and the lead's profile; the click, stored once
    leads.grant(click, 'dynamodb:GetItem', 'dynamodb:PutItem');
    events.grant(click, 'dynamodb:PutItem');
    props.httpApi.addRoutes({
      path: '/v1/nurture/{leadId}/{programId}/{cycle}/{stepId}/{linkId}',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('NurtureClickIntegration', click),
    });

    const unsubscribe = new LeadFunction(this, 'UnsubscribeFunction', {
      entry: 'nurture/unsubscribe-handler.ts',
      description: 'The unsubscribe link: a confirmation page (GET), and the unsubscribe itself (POST, one-click)',
      memorySize: 256,
      environment: stopperEnv,
    });
    // the signing key, the lead's profile, the suppression list; the enrollment's end
    leads.grant(unsubscribe, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.grantStop(unsubscribe);
    props.httpApi.addRoutes({
      path: '/v1/unsubscribe/{leadId}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('UnsubscribeIntegration', unsubscribe),
    });

    const deliveryEvents = new LeadFunction(this, 'DeliveryEventsFunction', {
      entry: 'nurture/delivery-events-handler.ts',
      description: 'SES bounces and complaints: suppresses the addresses and takes their leads out of nurture',
      memorySize: 256,
      environment: stopperEnv,
    });
    // the suppression list, the identity link to the lead, its profile; the enrollment's end
    leads.grant(deliveryEvents, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.grantStop(deliveryEvents);
    const topic = new Topic(this, 'DeliveryEvents', { displayName: 'LeadLoop email bounces and complaints', enforceSSL: true });
    props.email.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(topic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    topic.addSubscription(new LambdaSubscription(deliveryEvents));
  }

  /** Starting and stopping executions: the stream path starts a lead's program and stops it on the global exit. */
  grantStartAndStop(grantee: IGrantable): void {
    this.stateMachine.grantStartExecution(grantee);
    this.grantStop(grantee);
  }

  private grantStop(grantee: IGrantable): void {
    this.stateMachine.grantExecution(grantee, 'states:StopExecution');
  }
}
