import { Duration } from 'aws-cdk-lib';
import type { TaskStateBase } from 'aws-cdk-lib/aws-stepfunctions';

/**
 * What a state machine's Lambda step does when the step fails on an AWS call
 * that still fails after the SDK's own retries (throttled, a 5xx, timed out):
 * the step runs again, 1, 2, 4 and 8 seconds later. Every step is idempotent
 * (once-only records, conditional writes), so a repeat does nothing twice. An
 * email whose outcome is unknown stays failed: trying again cannot tell
 * whether it went. `States.TaskFailed` leaves `States.Timeout` to the catches.
 */
export function retryAwsFaults<T extends TaskStateBase>(task: T): T {
  task.addRetry({ errors: ['EmailOutcomeUnknownError'], maxAttempts: 0 });
  task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 });
  return task;
}

/**
 * What a step does when another writer changed the same lead between its read
 * and its write (ConcurrentUpdateError): it runs again at once, then 2, 4, 8
 * and 16 seconds later, reading the lead anew each time.
 */
export function retryConflicts<T extends TaskStateBase>(task: T): T {
  task.addRetry({ errors: ['ConcurrentUpdateError'], interval: Duration.seconds(1), maxAttempts: 5, backoffRate: 2 });
  return task;
}
