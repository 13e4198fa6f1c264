import { parseArgs } from 'node:util';
import { estimatedLeadCount, liveRescorePorts } from '../../functions/rescore/ports.ts';
import { rescoreAll, type RescoreResult } from '../../functions/rescore/rescore-leads.ts';
import { connect, formatNumber as number, readModelFile, smallCount, TARGET_OPTIONS, TARGET_USAGE } from './connect.ts';
import { progressWriter } from './progress.ts';
import type { CliIo } from './run.ts';

export const RESCORE_USAGE = `Usage: leadloop rescore [--model <file>] [--local | --stack <name>] [options]

Recomputes every lead from its stored events under a scoring model (by
default config/scoring-model.json, the model you deploy): the score ledger,
fit grade and engagement, with caps counted in time order. What sales did
(stages after MQL, owners, cycles) stands; a lead the model now qualifies
becomes an MQL and its hand-off journey starts.

Deploy the model first, so events arriving during and after the rescore are
scored by the same model. Safe to run while events arrive. Progress is saved
as it goes: on Ctrl-C the leads in flight finish and where each segment got
to is saved; run the same command to resume after them.

${TARGET_USAGE}

Options:
  --model <file>       the scoring model to rescore under (default config/scoring-model.json)
  --segments <n>       parallel scan segments, 1–64 (default 4)
  --concurrency <n>    leads at once per segment, 1–64 (default 4)
  --again              rescore again although a rescore under this model version finished

Exit status: 0 when every lead was rescored, 1 on an error, 2 for a usage error, 130 when interrupted (run again to resume).`;

export async function rescoreCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        model: { type: 'string', default: 'config/scoring-model.json' },
        ...TARGET_OPTIONS,
        segments: { type: 'string' },
        concurrency: { type: 'string' },
        again: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${RESCORE_USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    io.out(RESCORE_USAGE);
    return 0;
  }
  const segments = smallCount(values.segments, 'segments', 4);
  const concurrency = smallCount(values.concurrency, 'concurrency', 4);
  if (typeof segments === 'string' || typeof concurrency === 'string') {
    io.err(`leadloop: ${typeof segments === 'string' ? segments : concurrency}\n\n${RESCORE_USAGE}`);
    return 2;
  }
  const model = readModelFile(io, values.model);
  if (typeof model === 'number') return model;
  const connection = await connect(io, values, RESCORE_USAGE);
  if (typeof connection === 'number') return connection;
  const { description, adapters } = connection;

  const ports = liveRescorePorts(model, adapters);
  const total = await estimatedLeadCount(adapters);
  const version = model.version;
  io.out(`Rescoring the leads of ${description} under model ${version}${total === undefined ? '' : ` (about ${number(total)} leads)`} …`);

  const controller = new AbortController();
  const stopInterrupt = io.onInterrupt(() => {
    io.err('\nStopping after the leads in flight; progress is saved. (Ctrl-C again to quit at once.)');
    controller.abort();
  });
  const progress = progressWriter(io.progress);
  const started = performance.now();
  let result: RescoreResult;
  try {
    result = await rescoreAll(ports, {
      segments,
      concurrency,
      ...(values.again && { again: true }),
      signal: controller.signal,
      onStart: ({ resumed, already }) => {
        if (resumed) io.out(`Resuming the interrupted rescore: ${number(already.leads)} lead${already.leads === 1 ? ' was' : 's were'} already rescored under model ${version}; carrying on after them.`);
      },
      onProgress: ({ leads, events }) => progress.update({ done: leads, total, events, elapsedMs: performance.now() - started }),
    });
  } catch (error) {
    progress.end();
    io.err(`leadloop: rescore failed: ${(error as Error).message}\nProgress up to the lead that failed is saved: run the same command to resume.`);
    return 1;
  } finally {
    stopInterrupt();
  }
  progress.end();

  const { progress: saved } = result;
  if (result.status === 'already-finished') {
    io.out(`Every lead was already rescored under model ${version} (finished ${saved.finishedAt}). Use --again to rescore again.`);
    return 0;
  }
  if (result.status === 'interrupted') {
    io.err(`Interrupted: ${number(saved.leads)} leads are rescored and saved. Run the same command to resume after them.`);
    return 130;
  }
  const seconds = (performance.now() - started) / 1000;
  io.out(
    [
      `${result.resumed ? 'Resumed and finished' : 'Finished'}: ${number(saved.leads)} leads, ${number(saved.events)} events rescored under model ${version}` +
        ` (this run: ${result.resumed ? `${number(saved.leads - result.already.leads)} leads, ` : ''}${seconds.toFixed(1)} s).`,
      `${number(saved.advanced)} lead${saved.advanced === 1 ? '' : 's'} moved forward under the model (new MQLs start their hand-off journeys).`,
    ].join('\n'),
  );
  return 0;
}
