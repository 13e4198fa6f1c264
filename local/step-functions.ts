import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { StateMachine } from 'aws-local-stepfunctions';
import { realDelayMs, type ClockSettings } from './clock.ts';
import { LambdaError } from './lambdas.ts';
import type { LocalStateMachine } from './template.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './template.ts';
import { outlastClientKeepAlive } from './ports.ts';

/**
 * Step Functions, locally: the synthesized definition run by the
 * aws-local-stepfunctions interpreter, with what it lacks supplied here:
 * Task states dispatched by resource ARN to the same handler code,
 * `.waitForTaskToken` callbacks with their timeouts, the local clock for
 * Wait states, and a small AWS-JSON endpoint (StartExecution,
 * DescribeExecution, ListExecutions, StopExecution, SendTaskSuccess,
 * SendTaskFailure, SendTaskHeartbeat) for the SDK.
 */

export type Invoke = (functionNameOrArn: string, payload: unknown) => Promise<unknown>;

type State = Record<string, unknown> & { Type: string };
type Definition = { StartAt: string; States: Record<string, State> } & Record<string, unknown>;

/**
 * The largest timeout the interpreter can keep (it is one setTimeout: at most 2^31 - 1 ms, about 24.8
 * days); callback timeouts are enforced here instead, and a Wait state run as a task gets it whole.
 */
const INTERPRETER_MAX_TIMEOUT_SECONDS = 2_000_000;
/** The longest one timer can hold (ms); a longer sleep is a chain of them. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const TIMEOUT_PARAMETER = 'leadloopTimeoutSeconds';
/** What a Wait state with SecondsPath runs as locally: a task that sleeps on the local clock. */
const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::leadloop:local-wait';

export class AwsError extends Error {
  readonly statusCode: number;
  constructor(name: string, message: string, statusCode = 400) {
    super(message);
    this.name = name;
    this.statusCode = statusCode;
  }
}

/**
 * A callback task's timeout, enforced here. On AWS `States.TaskFailed` does not match a timeout; the
 * interpreter knows that only of its own (unexported) timeout error, so this one is marked not retryable:
 * a task's `States.TaskFailed` retrier leaves it to the `States.Timeout` catch. (A retrier naming
 * `States.Timeout` would not retry it either: the stack has none.)
 */
class StatesTimeout extends Error {
  readonly isRetryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.Timeout';
  }
}

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  /** states entered, in order: the local execution history */
  states: string[];
  /** retries of a state after an error (not in `states`); Standard workflows bill each as a state transition */
  retries: number;
  /** set by StopExecution */
  stopping?: { error?: string; cause?: string };
  /** the timers of its Wait states with SecondsPath, cleared when it is stopped */
  waits?: Set<NodeJS.Timeout>;
  abort?: () => void;
  /** sequence of the next task token to hand out */
  tokenSeq: number;
}

interface WaitingTask {
  executionArn: string;
  stateName: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface PreparedMachine {
  machine: LocalStateMachine;
  definition: Definition;
  callbackStates: Map<string, { staticTimeoutSeconds?: number }>;
  waitOverrides: Record<string, number>;
}

export class LocalStepFunctions {
  private readonly machines = new Map<string, PreparedMachine>();
  readonly executions = new Map<string, Execution>();
  private readonly waiting = new Map<string, WaitingTask>();
  /** tokens of tasks that finished or timed out, to answer late callbacks as AWS does */
  private readonly closedTokens = new Set<string>();
  private server?: Server;
  private readonly invoke: Invoke;
  private readonly clock: ClockSettings;
  private readonly log: (message: string) => void;

  constructor(machines: readonly LocalStateMachine[], invoke: Invoke, clock: ClockSettings, log: (message: string) => void) {
    this.invoke = invoke;
    this.clock = clock;
    this.log = log;
    for (const machine of machines) this.machines.set(machine.arn, this.prepare(machine));
  }

  /**
   * Adapts a definition to the local clock. Callback timeouts move into the
   * task's parameters so they are enforced (scaled) here; Wait states get
   * scaled durations. Anything the local runtime cannot run fails loudly now.
   */
  private prepare(machine: LocalStateMachine): PreparedMachine {
    const definition = structuredClone(machine.definition) as Definition;
    if ('QueryLanguage' in definition) throw new Error(`${machine.name}: JSONata is not supported locally`);
    if (typeof definition.TimeoutSeconds === 'number') {
      // The execution's own time limit follows the local clock too (and must fit a timer).
      const scaled = Math.ceil(realDelayMs(this.clock, definition.TimeoutSeconds * 1000) / 1000);
      definition.TimeoutSeconds = Math.min(Math.max(1, scaled), INTERPRETER_MAX_TIMEOUT_SECONDS);
    }
    const callbackStates = new Map<string, { staticTimeoutSeconds?: number }>();
    const waitOverrides: Record<string, number> = {};
    for (const [name, state] of Object.entries(definition.States)) {
      if ('HeartbeatSeconds' in state || 'HeartbeatSecondsPath' in state) throw new Error(`${machine.name}.${name}: heartbeats are not supported locally`);
      if (state.Type === 'Wait') {
        if (typeof state.SecondsPath === 'string') {
          // The interpreter would sleep the real seconds: a task sleeps them on the local clock instead, passing its input on.
          // A Wait has no timeout on AWS; a task without TimeoutSeconds gets the interpreter's 60 s, which ended every
          // nurture wait at clock speed 1 in States.Timeout. It gets the longest the interpreter can keep (23 days of
          // real time: a longer wait, only at a clock slower than 13×, is logged when it starts and ends in States.Timeout).
          const { Type: _type, SecondsPath, ...rest } = state;
          definition.States[name] = {
            ...rest,
            Type: 'Task',
            Resource: LOCAL_WAIT_RESOURCE,
            Parameters: { 'seconds.$': SecondsPath },
            ResultPath: null,
            TimeoutSeconds: INTERPRETER_MAX_TIMEOUT_SECONDS,
          };
          continue;
        }
        if (typeof state.Seconds !== 'number') throw new Error(`${machine.name}.${name}: only Wait states with Seconds or SecondsPath run locally`);
        waitOverrides[name] = realDelayMs(this.clock, state.Seconds * 1000);
      }
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      if (resource.endsWith('.waitForTaskToken')) {
        if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
          throw new Error(`${machine.name}.${name}: a callback task needs TimeoutSeconds or TimeoutSecondsPath`);
        }
        const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
        if (typeof state.TimeoutSecondsPath === 'string') parameters[`${TIMEOUT_PARAMETER}.$`] = state.TimeoutSecondsPath;
        callbackStates.set(name, typeof state.TimeoutSeconds === 'number' ? { staticTimeoutSeconds: state.TimeoutSeconds } : {});
        state.Parameters = parameters;
        delete state.TimeoutSecondsPath;
        state.TimeoutSeconds = INTERPRETER_MAX_TIMEOUT_SECONDS;
      } else if (!resource.startsWith('arn:aws:lambda:') && resource !== 'arn:aws:states:::lambda:invoke') {
        throw new Error(`${machine.name}.${name}: resource ${resource} is not supported locally`);
      }
    }
    return { machine, definition, callbackStates, waitOverrides };
  }

  private taskHandlers(prepared: PreparedMachine, execution: Execution): Record<string, (input: unknown) => Promise<unknown>> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, state] of Object.entries(prepared.definition.States)) {
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource);
      if (resource === LOCAL_WAIT_RESOURCE) {
        handlers[name] = (input) => this.sleep(execution, Number((input as { seconds: number }).seconds));
      } else if (resource.startsWith('arn:aws:lambda:')) {
        handlers[name] = (input) => this.invoke(resource, input);
      } else if (resource === 'arn:aws:states:::lambda:invoke') {
        handlers[name] = async (input) => {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
          return { Payload: await this.invoke(FunctionName, Payload), StatusCode: 200, ExecutedVersion: '$LATEST' };
        };
      } else {
        const callback = prepared.callbackStates.get(name)!;
        handlers[name] = (input) => this.waitForTaskToken(execution, name, input as Record<string, unknown>, callback.staticTimeoutSeconds);
      }
    }
    return handlers;
  }

  /** A Wait state's seconds, on the local clock: a chain of timers when one cannot hold them (one would fire at once). */
  private sleep(execution: Execution, seconds: number): Promise<null> {
    const waits = (execution.waits ??= new Set());
    const delayMs = realDelayMs(this.clock, Math.max(0, seconds) * 1000);
    if (delayMs > INTERPRETER_MAX_TIMEOUT_SECONDS * 1000) {
      this.log(`${execution.name}: a wait of ${seconds} s is ${Math.round(delayMs / 1000)} real seconds at this clock, longer than the local interpreter keeps a task (${INTERPRETER_MAX_TIMEOUT_SECONDS} s): it will end in States.Timeout; run faster (LEADLOOP_CLOCK_SPEED)`);
    }
    return new Promise((resolve) => {
      const arm = (ms: number) => {
        const timer = setTimeout(() => {
          waits.delete(timer);
          if (ms > MAX_TIMER_MS) arm(ms - MAX_TIMER_MS);
          else resolve(null);
        }, Math.min(ms, MAX_TIMER_MS));
        waits.add(timer);
      };
      arm(delayMs);
    });
  }

  private currentToken(execution: Execution): string {
    return Buffer.from(`${execution.executionArn}#${execution.tokenSeq}`).toString('base64url');
  }

  private waitForTaskToken(execution: Execution, stateName: string, input: Record<string, unknown>, staticTimeout?: number): Promise<unknown> {
    const token = this.currentToken(execution);
    execution.tokenSeq += 1;
    const { [TIMEOUT_PARAMETER]: pathTimeout, FunctionName, Payload } = input as {
      [TIMEOUT_PARAMETER]?: number;
      FunctionName: string;
      Payload: unknown;
    };
    const timeoutSeconds = pathTimeout ?? staticTimeout!;
    return new Promise((resolve, reject) => {
      const task: WaitingTask = { executionArn: execution.executionArn, stateName, resolve, reject };
      task.timer = setTimeout(() => {
        this.closeToken(token);
        reject(new StatesTimeout(`${stateName} was not resumed within ${timeoutSeconds} seconds`));
      }, realDelayMs(this.clock, timeoutSeconds * 1000));
      this.waiting.set(token, task);
      // The Lambda is invoked asynchronously; it stores the token for whoever resumes the journey.
      this.invoke(FunctionName, Payload).catch((error: Error) => {
        if (!this.waiting.has(token)) return;
        this.closeToken(token);
        reject(error);
      });
    });
  }

  private closeToken(token: string): void {
    const task = this.waiting.get(token);
    if (task?.timer) clearTimeout(task.timer);
    this.waiting.delete(token);
    this.closedTokens.add(token);
  }

  startExecution(request: { stateMachineArn?: string; name?: string; input?: string }): { executionArn: string; startDate: Date } {
    const prepared = this.machines.get(request.stateMachineArn ?? '');
    if (!prepared) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
    const name = request.name ?? randomUUID();
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${prepared.machine.name}:${name}`;
    const inputText = request.input ?? '{}';
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As on AWS: the same name and input while running is the same execution; otherwise refused.
      if (existing.status === 'RUNNING' && existing.input === inputText) return { executionArn, startDate: existing.startDate };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new AwsError('InvalidExecutionInput', 'Invalid execution input: not JSON');
    }
    const execution: Execution = {
      executionArn,
      stateMachineArn: prepared.machine.arn,
      name,
      status: 'RUNNING',
      input: inputText,
      startDate: new Date(),
      states: [],
      retries: 0,
      tokenSeq: 1,
    };
    this.executions.set(executionArn, execution);

    const sm = new StateMachine(prepared.definition as never, { validationOptions: { checkArn: false } });
    const self = this;
    const run = sm.run(input as never, {
      overrides: { taskResourceLocalHandlers: this.taskHandlers(prepared, execution) as never, waitTimeOverrides: prepared.waitOverrides },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
        StateMachine: { Id: prepared.machine.arn, Name: prepared.machine.name },
        // Each callback task sees its own token: the value changes once a task has taken it.
        Task: {
          get Token() {
            return self.currentToken(execution);
          },
        },
      },
    });
    execution.abort = run.abort;
    void (async () => {
      for await (const event of run.eventLogs as AsyncIterable<{ type: string; state?: { name: string } }>) {
        if (event.type === 'StateEntered' && event.state) execution.states.push(event.state.name);
        if (event.type === 'StateRetried') execution.retries += 1;
      }
    })().catch(() => undefined);
    run.result.then(
      (output: unknown) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output);
        execution.stopDate = new Date();
      },
      (error: Error & { cause?: unknown }) => {
        if (execution.stopping) return; // stopped: StopExecution recorded how
        const inner = (error.cause instanceof Error ? error.cause : error) as Error;
        execution.status = error.name === 'ExecutionAbortedError' ? 'ABORTED' : error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        execution.error = inner.name;
        execution.cause = inner.message;
        execution.stopDate = new Date();
        if (execution.status === 'FAILED') this.log(`journey ${name} failed: ${inner.name}: ${inner.message}`);
      },
    );
    return { executionArn, startDate: execution.startDate };
  }

  /**
   * Stops a running execution as AWS does: it ends ABORTED with the error and
   * cause given, its waiting task is closed (a late callback is refused), and
   * no further state runs. Stopping one that has ended changes nothing.
   */
  stopExecution(request: { executionArn?: string; error?: string; cause?: string }): { stopDate: Date } {
    const execution = this.executions.get(request.executionArn ?? '');
    if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    if (execution.status !== 'RUNNING') return { stopDate: execution.stopDate ?? new Date() };
    for (const [token, task] of this.waiting) if (task.executionArn === execution.executionArn) this.closeToken(token);
    for (const timer of execution.waits ?? []) clearTimeout(timer);
    execution.waits?.clear();
    execution.stopping = { ...(request.error !== undefined && { error: request.error }), ...(request.cause !== undefined && { cause: request.cause }) };
    execution.abort?.();
    execution.status = 'ABORTED';
    execution.stopDate = new Date();
    if (request.error !== undefined) execution.error = request.error;
    if (request.cause !== undefined) execution.cause = request.cause;
    return { stopDate: execution.stopDate };
  }

  sendTaskSuccess(request: { taskToken?: string; output?: string }): Record<string, never> {
    const task = this.task(request.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(request.output ?? 'null');
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid output: not JSON');
    }
    this.closeToken(request.taskToken!);
    task.resolve(output);
    return {};
  }

  sendTaskFailure(request: { taskToken?: string; error?: string; cause?: string }): Record<string, never> {
    const task = this.task(request.taskToken);
    this.closeToken(request.taskToken!);
    task.reject(new LambdaError(request.error ?? 'States.TaskFailed', request.cause ?? ''));
    return {};
  }

  /** As AWS answers it: nothing changes for a task that still waits (no heartbeat timeouts here); a task that is gone is refused. */
  sendTaskHeartbeat(request: { taskToken?: string }): Record<string, never> {
    this.task(request.taskToken);
    return {};
  }

  private task(token: string | undefined): WaitingTask {
    const task = token ? this.waiting.get(token) : undefined;
    if (task) return task;
    if (token && this.closedTokens.has(token)) throw new AwsError('TaskTimedOut', 'Task Timed Out: the task is no longer waiting');
    throw new AwsError('InvalidToken', 'Invalid Token');
  }

  describeExecution(request: { executionArn?: string }): Record<string, unknown> {
    const execution = this.executions.get(request.executionArn ?? '');
    if (!execution) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    return describe(execution);
  }

  listExecutions(request: { stateMachineArn?: string; statusFilter?: string }): { executions: Record<string, unknown>[] } {
    const executions = [...this.executions.values()]
      .filter((e) => (!request.stateMachineArn || e.stateMachineArn === request.stateMachineArn) && (!request.statusFilter || e.status === request.statusFilter))
      .map(describe);
    return { executions };
  }

  /** Serves the Step Functions API (AWS JSON 1.0) for the SDK clients in handlers. */
  async listen(port = 0): Promise<string> {
    const operations: Record<string, (body: Record<string, string>) => unknown> = {
      StartExecution: (b) => {
        const { executionArn, startDate } = this.startExecution(b);
        return { executionArn, startDate: startDate.getTime() / 1000 };
      },
      DescribeExecution: (b) => this.describeExecution(b),
      ListExecutions: (b) => this.listExecutions(b),
      StopExecution: (b) => this.stopExecution(b),
      SendTaskSuccess: (b) => this.sendTaskSuccess(b),
      SendTaskFailure: (b) => this.sendTaskFailure(b),
      SendTaskHeartbeat: (b) => this.sendTaskHeartbeat(b),
    };
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '').split('.').at(-1) ?? '';
        const respond = (status: number, body: unknown, errorType?: string) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...(errorType && { 'x-amzn-errortype': errorType }) });
          res.end(JSON.stringify(body));
        };
        try {
          const operation = operations[target];
          if (!operation) throw new AwsError('UnknownOperationException', `${target} is not supported locally`);
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
          const result = operation(body);
          respond(200, dateFieldsToEpoch(result));
        } catch (error) {
          const e = error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
          respond(e.statusCode, { __type: e.name, message: e.message }, e.name);
        }
      });
    });
    outlastClientKeepAlive(this.server);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const task of this.waiting.values()) if (task.timer) clearTimeout(task.timer);
    this.waiting.clear();
    for (const execution of this.executions.values()) for (const timer of execution.waits ?? []) clearTimeout(timer);
    for (const execution of this.executions.values()) if (execution.status === 'RUNNING') execution.abort?.();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }
}

/**
 * What a Standard workflow bills for an execution so far: its state
 * transitions, one per state entered and one per retry of a state.
 */
export function stateTransitions(execution: Pick<Execution, 'states' | 'retries'>): number {
  return execution.states.length + execution.retries;
}

function describe(e: Execution): Record<string, unknown> {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate,
    ...(e.stopDate && { stopDate: e.stopDate }),
    input: e.input,
    ...(e.output !== undefined && { output: e.output }),
    ...(e.error !== undefined && { error: e.error }),
    ...(e.cause !== undefined && { cause: e.cause }),
  };
}

function dateFieldsToEpoch(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(dateFieldsToEpoch);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, dateFieldsToEpoch(v)]));
  return value;
}
