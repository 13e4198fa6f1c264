import { CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * The cdk-nag `AwsSolutions` findings LeadLoop keeps, each with the reason in
 * one line (test/infra/nag.test.ts runs the checks: any other finding fails
 * it). Acknowledged as narrowly as the finding allows: on the construct it is
 * about, and for wildcards on the exact resource pattern.
 */
export function acknowledgeNagFindings(stack: Stack, parts: { api: Construct; leadsTable: Construct; failedRecords: Construct }): void {
  const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
  const logicalId = (scope: Construct) => stack.resolve((scope.node.defaultChild as CfnElement).logicalId) as string;

  ack(
    parts.api,
    'AwsSolutions-APIG4',
    'Every route authenticates in its function: write keys (ingest), server keys (leads, reports, outcomes), signed links (hand-off, feedback, nurture, unsubscribe); an authorizer would add a call per event',
  );
  ack(parts.failedRecords, 'AwsSolutions-SQS3', 'This queue is the stream consumer’s on-failure destination: it is the dead-letter queue, and its records are replayed from it');

  const leadsIndexes = `AwsSolutions-IAM5[Resource::<${logicalId(parts.leadsTable)}.Arn>/index/*]`;
  const functions = stack.node.findAll().filter((c): c is LambdaFunction => c instanceof LambdaFunction);
  for (const fn of functions) {
    ack(fn, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'The basic execution role only lets a function write its own log streams');
    ack(fn, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions; every other grant names its resource (test/infra/stack.test.ts)');
    ack(fn, leadsIndexes, 'CDK table grants cover the table’s indexes (the stalled-leads index); the actions are the function’s own, listed in test/infra/stack.test.ts');
  }
  for (const machine of stack.node.findAll().filter((c): c is StateMachine => c instanceof StateMachine)) {
    const executions = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId(machine)}"}]}]}:*]`;
    // stopping a lead's executions by their deterministic names: the executions of this one machine
    for (const fn of functions) ack(fn, executions, 'StopExecution on the executions of one state machine, found by their deterministic names (lead and cycle)');
    ack(machine, 'AwsSolutions-IAM5[Resource::*]', 'Step Functions log delivery and X-Ray actions have no resource-level permissions');
  }
  // the state machines' and the schedules' roles invoke named functions
  for (const fn of functions) {
    ack(stack, `AwsSolutions-IAM5[Resource::<${logicalId(fn)}.Arn>:*]`, 'Invoking one named function, any of its versions or aliases (CDK’s grant for a Step Functions task or a schedule target)');
  }
}
