import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { ClockSettings } from './clock.ts';
import type { LocalFunction } from './template.ts';

/** An error a handler threw, carrying its name so Retry/Catch can match it as on AWS. */
export class LambdaError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** One invocation as Lambda would meter it: the function, its memory size and how long its handler ran. */
export interface InvocationReport {
  functionLogicalId: string;
  /** MB, from the template */
  memorySize: number;
  /** the handler's own time, unrounded (Lambda bills it rounded up to the millisecond) */
  durationMs: number;
  /** the handler threw (or timed out: then the duration is the timeout) */
  failed: boolean;
  /** invocations of the same function already running in its worker when this one started (on AWS each would have its own) */
  concurrent: number;
}

/** What benches watch (bench/cost): each invocation, and each line a function prints to stdout (its log). */
export interface FunctionObserver {
  invoked?: (report: InvocationReport) => void;
  /** given, the functions' stdout goes here, one line at a time, instead of to this process's stdout */
  printed?: (functionLogicalId: string, line: string) => void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  /** invocations already in flight when this one started */
  concurrent: number;
}

/** A warm function: one worker thread, invocations matched to replies by id. */
class WarmFunction {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  readonly ready: Promise<void>;
  private readonly fn: LocalFunction;
  private readonly observer: FunctionObserver;

  constructor(fn: LocalFunction, env: Record<string, string>, clock: ClockSettings, observer: FunctionObserver = {}) {
    this.fn = fn;
    this.observer = observer;
    const { printed } = observer;
    this.worker = new Worker(new URL('./lambda-worker.ts', import.meta.url), {
      env,
      stdout: printed !== undefined,
      workerData: {
        codeFile: fn.codeFile,
        exportName: fn.exportName,
        functionName: fn.name,
        functionArn: fn.arn,
        memorySize: fn.memorySize,
        timeoutSeconds: fn.timeoutSeconds,
        clock,
      },
    });
    if (printed) createInterface({ input: this.worker.stdout, crlfDelay: Infinity }).on('line', (line) => printed(fn.logicalId, line));
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (message.ready) {
          this.worker.off('error', reject);
          resolve();
        }
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', reject);
    });
    this.worker.on('message', (message: { id?: number; result?: unknown; error?: { name: string; message: string }; durationMs?: number }) => {
      if (message.id === undefined) return;
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      this.report(pending, message.durationMs ?? 0, message.error !== undefined);
      if (message.error) pending.reject(new LambdaError(message.error.name, message.error.message));
      else pending.resolve(message.result);
    });
    this.worker.on('error', (error) => {
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    });
  }

  async invoke(event: unknown): Promise<unknown> {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Lambda's own timeout, in real time: it guards against hung handlers, not business timers.
      const concurrent = this.pending.size;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.report({ concurrent }, this.fn.timeoutSeconds * 1000, true);
        reject(new LambdaError('Sandbox.Timedout', `${this.fn.name} timed out after ${this.fn.timeoutSeconds} seconds`));
      }, this.fn.timeoutSeconds * 1000);
      this.pending.set(id, { resolve, reject, timer, concurrent });
      this.worker.postMessage({ id, requestId: randomUUID(), event });
    });
  }

  private report({ concurrent }: Pick<Pending, 'concurrent'>, durationMs: number, failed: boolean): void {
    this.observer.invoked?.({ functionLogicalId: this.fn.logicalId, memorySize: this.fn.memorySize, durationMs, failed, concurrent });
  }

  /** Sets the worker's virtual clock (posted before any later invocation, so they see it). */
  setClock(clock: ClockSettings): void {
    this.worker.postMessage({ clock });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Runs the stack's functions locally, each in its own worker with its own
 * environment: the template's variables plus the local endpoints.
 */
export class LocalLambdas {
  private readonly warm = new Map<string, WarmFunction>();
  private readonly functions: Map<string, LocalFunction>;
  private readonly baseEnv: Record<string, string>;
  private readonly clock: ClockSettings;
  private readonly observer: FunctionObserver;
  private readonly envOf: (fn: LocalFunction) => Record<string, string>;

  /** `envOf` adds to one function's environment (the fault proxies' endpoints, which name the function). */
  constructor(
    functions: Map<string, LocalFunction>,
    baseEnv: Record<string, string>,
    clock: ClockSettings,
    observer: FunctionObserver = {},
    envOf: (fn: LocalFunction) => Record<string, string> = () => ({}),
  ) {
    this.functions = functions;
    this.baseEnv = baseEnv;
    this.clock = clock;
    this.observer = observer;
    this.envOf = envOf;
  }

  private byNameOrArn(nameOrArn: string): LocalFunction {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.split(':')[6]! : nameOrArn;
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function ${nameOrArn} in the template`);
    return fn;
  }

  private warmUp(fn: LocalFunction): WarmFunction {
    let warm = this.warm.get(fn.logicalId);
    if (!warm) {
      warm = new WarmFunction(fn, { ...this.baseEnv, ...this.envOf(fn), ...fn.environment, AWS_LAMBDA_FUNCTION_NAME: fn.name }, this.clock, this.observer);
      this.warm.set(fn.logicalId, warm);
    }
    return warm;
  }

  /** Starts every function's worker, so that the first request does not pay the cold start. */
  async startAll(): Promise<void> {
    await Promise.all([...this.functions.values()].map((fn) => this.warmUp(fn).ready));
  }

  /**
   * Restarts the clock of every started worker from the runtime's (the clock
   * starts at LEADLOOP_CLOCK_START once everything is up, not while it starts).
   */
  setClock(clock: ClockSettings): void {
    for (const warm of this.warm.values()) warm.setClock(clock);
  }

  invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    return this.warmUp(this.byNameOrArn(nameOrArn)).invoke(event);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.warm.values()].map((w) => w.stop()));
    this.warm.clear();
  }
}
