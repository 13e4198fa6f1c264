import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { LeadLoopTemplate } from './helpers.ts';

// asl-validator is CommonJS without type declarations: `module.exports = validator`.
type AslValidator = (
  definition: unknown,
  options?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Variable?: string; StringEquals?: string; Next?: string }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string | null }[];
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Branches?: Definition[];
  Iterator?: Definition;
  ItemProcessor?: Definition;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
}

const PLACEHOLDERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Every state, nested ones (Parallel branches, Map processors) included. */
function allStates(definition: Definition): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]): [string, State][] => [
    [name, state],
    ...[...(state.Branches ?? []), ...(state.Iterator ? [state.Iterator] : []), ...(state.ItemProcessor ? [state.ItemProcessor] : [])].flatMap(
      allStates,
    ),
  ]);
}

/** Every key and string value anywhere in a JSON value. */
function walk(value: unknown, visit: (key: string | undefined, value: unknown) => void, key?: string): void {
  visit(key, value);
  if (Array.isArray(value)) value.forEach((item) => walk(item, visit));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, visit, k);
}

/**
 * A state machine's definition as JSON: its DefinitionString is an Fn::Join of
 * JSON fragments and intrinsics, each intrinsic given a placeholder ARN. Each
 * Lambda function the definition refers to is recorded in `functionArns`.
 */
function definitionOf(t: LeadLoopTemplate, path: string, functionArns: Map<string, string>): Definition {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as Record<string, unknown>;
    const ref = intrinsic.Ref;
    if (typeof ref === 'string' && ref in PLACEHOLDERS) return PLACEHOLDERS[ref] as string;
    const getAtt = intrinsic['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt && getAtt[1] === 'Arn' && t.resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') {
      const arn = `arn:aws:lambda:${PLACEHOLDERS['AWS::Region']}:${PLACEHOLDERS['AWS::AccountId']}:function:${getAtt[0]}`;
      functionArns.set(getAtt[0], arn);
      return arn;
    }
    const join = intrinsic['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(resolve).join(join[0]);
    throw new Error(`no placeholder for ${JSON.stringify(value)}`);
  };
  const { Properties } = t.resource(t.logicalId(path), 'AWS::StepFunctions::StateMachine');
  return JSON.parse(resolve(Properties?.DefinitionString)) as Definition;
}

describe('journey state machine definition', () => {
  let t: LeadLoopTemplate;
  let definition: Definition;
  let functionArn: (path: string) => string;

  beforeAll(() => {
    t = new LeadLoopTemplate();
    const functionArns = new Map<string, string>();
    functionArn = (path) => {
      const arn = functionArns.get(t.logicalId(path));
      if (!arn) throw new Error(`the definition does not refer to ${path}`);
      return arn;
    };
    definition = definitionOf(t, 'Journey/StateMachine', functionArns);
  });

  const state = (name: string): State => {
    const found = definition.States[name];
    if (!found) throw new Error(`no state "${name}"; states: ${Object.keys(definition.States).join(', ')}`);
    return found;
  };

  it('is valid Amazon States Language, paths and resource ARNs included', () => {
    // the validator writes a default QueryLanguage into the states it reads, so it gets a copy
    const result = validateAsl(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('starts by assigning a rep, then sends the hand-off and waits for acceptance', () => {
    expect(definition.StartAt).toBe('Assign rep');
    expect(state('Assign rep').Resource).toBe(functionArn('Journey/AssignRepFunction'));
    expect(state('Assign rep').Next).toBe('Rep found?');
    expect(state('Rep found?').Default).toBe('Send hand-off');
    expect(state('Send hand-off').Resource).toBe(functionArn('Journey/SendHandoffFunction'));
    expect(state('Send hand-off').Next).toBe('Await acceptance');
  });

  it('parks a lead nobody can take on a task token until a drain gives it a rep, then hands it off; a timeout routes it again', () => {
    const found = state('Rep found?') as State & { Choices: { And?: { Variable: string; IsPresent?: boolean; BooleanEquals?: boolean }[]; Next: string }[] };
    expect(found.Choices).toEqual([
      { And: [{ Variable: '$.assignment.queued', IsPresent: true }, { Variable: '$.assignment.queued', BooleanEquals: true }], Next: 'Await rep' },
    ]);
    const wait = state('Await rep');
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters?.FunctionName).toBe(functionArn('Journey/AwaitRepFunction'));
    expect(wait.Parameters?.Payload).toMatchObject({ 'taskToken.$': '$$.Task.Token', 'teamId.$': '$.assignment.teamId' });
    expect(wait.TimeoutSecondsPath).toBe('$.assignment.waitSeconds');
    // the drain resumes it with the assignment, which the hand-off reads
    expect(wait.ResultPath).toBe('$.assignment');
    expect(wait.Next).toBe('Send hand-off');
    expect(wait.Catch).toEqual([{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'Assign rep' }]);
  });

  it('waits for acceptance with a task token handed to the AwaitAcceptance function', () => {
    const wait = state('Await acceptance');
    expect(wait.Type).toBe('Task');
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters?.FunctionName).toBe(functionArn('Journey/AwaitAcceptanceFunction'));
    expect(wait.Parameters?.Payload).toMatchObject({ 'taskToken.$': '$$.Task.Token' });
  });

  it('times the first acceptance wait out when the rep is to be reminded, then waits again until the deadline', () => {
    expect(state('Assign rep').ResultPath).toBe('$.assignment');
    expect(state('Await acceptance').TimeoutSecondsPath).toBe('$.assignment.remindWithinSeconds');
    const onReminder = state('Await acceptance').Catch?.find((c) => c.ErrorEquals.includes('States.Timeout'));
    expect(onReminder?.Next).toBe('Remind rep');
    expect(onReminder?.ResultPath).toBeNull();
    expect(state('Remind rep').Resource).toBe(functionArn('Journey/RemindRepFunction'));
    // the reminder answers the seconds left; the state keeps the assignment for the wait and the ladder
    expect(state('Remind rep').ResultPath).toBe('$.reminder');
    expect(state('Remind rep').Next).toBe('Await acceptance after reminder');
    const second = state('Await acceptance after reminder');
    expect(second.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(second.Parameters?.FunctionName).toBe(functionArn('Journey/AwaitAcceptanceFunction'));
    expect(second.Parameters?.Payload).toEqual(state('Await acceptance').Parameters?.Payload);
    expect(second.TimeoutSecondsPath).toBe('$.reminder.acceptWithinSeconds');
    expect(second.ResultPath).toBe('$.decision');
    expect(second.Next).toBe('Follow up');
  });

  it('gives every callback task a timeout, so no journey waits forever for a token', () => {
    const callbacks = allStates(definition).filter(([, s]) => s.Type === 'Task' && s.Resource?.endsWith('.waitForTaskToken'));
    expect(callbacks.map(([name]) => name)).toEqual(expect.arrayContaining(['Await acceptance', 'Await rep']));
    for (const [name, callback] of callbacks) {
      expect(callback.TimeoutSeconds !== undefined || callback.TimeoutSecondsPath !== undefined, name).toBe(true);
    }
  });

  it('escalates when the acceptance deadline passes, keeping the journey’s state', () => {
    const onTimeout = state('Await acceptance after reminder').Catch?.find((c) => c.ErrorEquals.includes('States.Timeout'));
    expect(onTimeout?.Next).toBe('Escalate');
    // the timeout error must not replace the input Escalate needs
    expect(onTimeout?.ResultPath).toBeNull();
    expect(state('Escalate').Resource).toBe(functionArn('Journey/EscalateFunction'));
    expect(state('Escalate').Next).toBe('Next escalation step');
  });

  it('after escalating, reassigns by sending a new hand-off, recycles by ending, or waits again', () => {
    const next = state('Next escalation step');
    expect(next.Type).toBe('Choice');
    const route = (step: string) => next.Choices?.find((c) => c.Variable === '$.escalation.step' && c.StringEquals === step)?.Next;
    expect(route('reassign')).toBe('Send hand-off');
    const recycled = route('recycle');
    expect(recycled).toBeDefined();
    expect(state(recycled ?? '').Type).toBe('Succeed');
    expect(next.Default).toBe('Await acceptance');
  });

  it('ends in a failure when a hand-off cannot be sent or an escalation cannot run', () => {
    for (const name of ['Send hand-off', 'Escalate', 'Remind rep']) {
      const onError = state(name).Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(onError?.Next, name).toBe('Hand-off failed');
      expect(onError?.ResultPath, name).toBe('$.error');
    }
    expect(state('Hand-off failed').Type).toBe('Fail');
  });

  it('raises an alarm when any journey fails', () => {
    const alarm = t.resource(t.logicalId('Journey/JourneyFailedAlarm'), 'AWS::CloudWatch::Alarm').Properties ?? {};
    expect(alarm).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const dimensions = alarm.Dimensions as { Name: string; Value: unknown }[];
    expect(dimensions.map((d) => [d.Name, t.describe(d.Value)])).toEqual([['StateMachineArn', 'Journey/StateMachine']]);
  });

  it('ends every execution within a year, a Standard execution’s limit', () => {
    expect(definition.TimeoutSeconds).toBe(365 * 24 * 60 * 60);
  });

  it('follows up after the decision, accepted or rejected: it looks, then waits until its next step or a wake, and looks again', () => {
    const awaitAcceptance = state('Await acceptance');
    expect(awaitAcceptance.Next).toBe('Follow up');
    const followUp = state('Follow up');
    expect(followUp.ResultPath).toBe('$.followUp');
    expect(followUp.Next).toBe('Followed up?');
    const choice = state('Followed up?') as { Choices: { BooleanEquals?: boolean; Variable?: string; Next: string }[]; Default: string };
    expect(choice.Choices).toEqual([{ Variable: '$.followUp.done', BooleanEquals: true, Next: 'Follow-up done' }]);
    expect(choice.Default).toBe('Await follow-up');
    const wait = state('Await follow-up');
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.TimeoutSecondsPath).toBe('$.followUp.waitSeconds');
    expect(wait.ResultPath).toBe('$.resumed');
    expect(wait.Next).toBe('Follow up');
    expect(wait.Catch).toEqual([{ ErrorEquals: ['States.Timeout'], ResultPath: '$.resumed', Next: 'Follow up' }]);
    expect(state('Follow-up done').Type).toBe('Succeed');
  });

  it('uses nothing the local interpreter lacks: no JSONata and no heartbeats', () => {
    const unsupported: string[] = [];
    walk(definition, (key, value) => {
      if (key === 'QueryLanguage' || key === 'HeartbeatSeconds' || key === 'HeartbeatSecondsPath') unsupported.push(key);
      // JSONata expressions are strings wrapped in {% %}
      if (typeof value === 'string' && value.trimStart().startsWith('{%')) unsupported.push(value);
    });
    expect(unsupported).toEqual([]);
  });
});

describe('every state machine’s Lambda steps', () => {
  let t: LeadLoopTemplate;
  beforeAll(() => {
    t = new LeadLoopTemplate();
  });

  it.each(['Journey/StateMachine', 'Nurture/StateMachine'])('%s: tries a step again after an AWS fault (States.TaskFailed, 4 times, 1 s doubling), never an email whose outcome is unknown', (path) => {
    const definition = definitionOf(t, path, new Map());
    const lambdaSteps = allStates(definition).filter(([, state]) => state.Type === 'Task' && state.Resource !== undefined && /:lambda:/.test(state.Resource));
    expect(lambdaSteps.length).toBeGreaterThan(0);
    for (const [name, state] of lambdaSteps) {
      const retry = state.Retry ?? [];
      const unknown = retry.findIndex((r) => r.ErrorEquals.includes('EmailOutcomeUnknownError'));
      const faults = retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed'));
      expect({ name, faults: retry[faults] }).toEqual({ name, faults: { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 4, BackoffRate: 2 } });
      // retriers are matched in order: the unknown email's "not again" must come first
      expect({ name, unknownFirst: unknown >= 0 && unknown < faults, attempts: retry[unknown]?.MaxAttempts }).toEqual({ name, unknownFirst: true, attempts: 0 });
    }
  });

  it.each(['Journey/StateMachine', 'Nurture/StateMachine'])('%s: a step that met another writer of the lead (ConcurrentUpdateError) runs again, 5 times from 1 s doubling, before the catch-all fault retrier (States.TaskFailed) can take it', (path) => {
    const definition = definitionOf(t, path, new Map());
    const conflictSteps = allStates(definition).filter(([, state]) => (state.Retry ?? []).some((r) => r.ErrorEquals.includes('ConcurrentUpdateError')));
    // the nurture step, and in the journey every step that writes the lead
    expect(conflictSteps.length).toBeGreaterThan(0);
    for (const [name, state] of conflictSteps) {
      const retry = state.Retry ?? [];
      const conflicts = retry.findIndex((r) => r.ErrorEquals.includes('ConcurrentUpdateError'));
      const faults = retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed'));
      expect({ name, conflicts: retry[conflicts], beforeFaults: conflicts < faults }).toEqual({
        name,
        conflicts: { ErrorEquals: ['ConcurrentUpdateError'], IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2 },
        beforeFaults: true,
      });
    }
    if (path === 'Nurture/StateMachine') expect(conflictSteps.map(([name]) => name)).toEqual(['Nurture step']);
  });
});
