import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { installVirtualDate, type ClockSettings } from './clock.ts';

/**
 * One Lambda "container": its own thread, its own environment, the bundled
 * handler from cdk.out loaded as Lambda would load it.
 */
interface WorkerSetup {
  codeFile: string;
  exportName: string;
  functionName: string;
  functionArn: string;
  memorySize: number;
  timeoutSeconds: number;
  clock: ClockSettings;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const setup = workerData as WorkerSetup;
installVirtualDate(setup.clock);
const module = (await import(pathToFileURL(setup.codeFile).href)) as Record<string, unknown>;
const handler = module[setup.exportName] as Handler | undefined;
if (typeof handler !== 'function') throw new Error(`${setup.codeFile} does not export ${setup.exportName}`);

parentPort!.on('message', async (message: { id: number; requestId: string; event: unknown; clock?: ClockSettings }) => {
  // the runtime restarting its clock (LEADLOOP_CLOCK_START, once it is up): the installed Date reads these fields
  if (message.clock) {
    Object.assign(setup.clock, message.clock);
    return;
  }
  const deadline = performance.now() + setup.timeoutSeconds * 1000;
  const context = {
    functionName: setup.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: setup.functionArn,
    memoryLimitInMB: String(setup.memorySize),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${setup.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
  };
  // The handler's own time, as Lambda bills its duration (the message passing around it is not the function's).
  const started = performance.now();
  try {
    const result = await handler(message.event, context);
    parentPort!.postMessage({ id: message.id, result: result === undefined ? null : result, durationMs: performance.now() - started });
  } catch (error) {
    const durationMs = performance.now() - started;
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort!.postMessage({ id: message.id, error: { name: e.name, message: e.message, stack: e.stack }, durationMs });
  }
});
parentPort!.postMessage({ ready: true });
