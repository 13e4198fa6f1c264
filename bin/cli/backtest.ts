import { parseArgs } from 'node:util';
import { BacktestOptionsError, backtest, resolveBacktestOptions, type BacktestPeriod } from '#core/backtest.ts';
import { formatBacktest } from './backtest-report.ts';
import { connect, formatNumber as number, readModelFile, TARGET_OPTIONS, TARGET_USAGE } from './connect.ts';
import { estimatedLeadCount, readLeadHistories } from '../../functions/rescore/ports.ts';
import { progressWriter } from './progress.ts';
import type { CliIo } from './run.ts';

export const BACKTEST_USAGE = `Usage: leadloop backtest <draft model> [--current <file>] [--local | --stack <name>] [options]

Replays every lead's stored events under a draft scoring model and under the
current one, writing nothing, and reports them side by side: how many leads
would be MQL and when, which leads newly qualify or no longer do, and (where
sales decided) acceptance and win rates per score band, the score taken when
sales first saw the lead. This is how marketing and sales set thresholds
together: try a draft here, then deploy it and run leadloop rescore.

${TARGET_USAGE}

Options:
  --current <file>     the model to compare with (default config/scoring-model.json)
  --period <p>         count MQLs per "week" (ISO, UTC; default) or "month"
  --band-width <n>     score band width in engagement points (default 20)
  --bands <n>          closed bands before the open-ended last one (default 5: 0–19 … 80–99, 100+)
  --json               print the report as JSON (every lead's detail included)

Exit status: 0 when the report is printed, 1 on an error, 2 for a usage error.`;

export async function backtestCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        current: { type: 'string', default: 'config/scoring-model.json' },
        ...TARGET_OPTIONS,
        period: { type: 'string', default: 'week' },
        'band-width': { type: 'string' },
        bands: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${BACKTEST_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(BACKTEST_USAGE);
    return 0;
  }
  const [draftFile, ...extra] = positionals;
  if (draftFile === undefined) {
    io.err(`leadloop: backtest needs a draft model file\n\n${BACKTEST_USAGE}`);
    return 2;
  }
  if (extra.length > 0) {
    io.err(`leadloop: backtest takes one draft model, got also ${extra.join(' ')}\n\n${BACKTEST_USAGE}`);
    return 2;
  }
  const options = {
    period: values.period as BacktestPeriod,
    ...(values['band-width'] !== undefined && { bandWidth: Number(values['band-width']) }),
    ...(values.bands !== undefined && { bands: Number(values.bands) }),
  };
  try {
    // Options are checked before any data is read.
    resolveBacktestOptions(options);
  } catch (error) {
    if (!(error instanceof BacktestOptionsError)) throw error;
    const flag = { period: '--period', bandWidth: '--band-width', bands: '--bands' }[error.option] ?? error.option;
    io.err(`leadloop: ${error.message.replace(`backtest option ${error.option}`, flag)}\n\n${BACKTEST_USAGE}`);
    return 2;
  }

  const draft = readModelFile(io, draftFile);
  if (typeof draft === 'number') return draft;
  const current = readModelFile(io, values.current);
  if (typeof current === 'number') return current;
  if (draft.version === current.version) {
    io.err(`leadloop: note: the draft has the same version as the current model (${draft.version}); give a changed model a new version before deploying it.`);
  }
  const connection = await connect(io, values, BACKTEST_USAGE);
  if (typeof connection === 'number') return connection;
  const { description, adapters } = connection;

  const total = await estimatedLeadCount(adapters);
  const progress = progressWriter(io.progress);
  const started = performance.now();
  let leads = 0;
  let events = 0;
  let histories;
  try {
    histories = await readLeadHistories(adapters, {
      onLead: (n) => {
        leads += 1;
        events += n;
        progress.update({ done: leads, total, events, elapsedMs: performance.now() - started });
      },
    });
  } catch (error) {
    progress.end();
    io.err(`leadloop: reading the leads of ${description} failed: ${(error as Error).message}`);
    return 1;
  }
  progress.update({ done: leads, total, events, elapsedMs: performance.now() - started }, true);
  progress.end();

  const report = backtest(histories, current, draft, options);
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else io.out(`Leads of ${description}: ${number(histories.length)} leads, ${number(events)} events.\n\n${formatBacktest(report)}`);
  return 0;
}
