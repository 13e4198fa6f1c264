import { randomBytes } from 'node:crypto';
import { floodSection } from './flood/report.ts';
import { runScenario, type ScenarioResult } from './flood/scenario.ts';
import { floodSettings } from './flood/settings.ts';
import { appendResults, describeMachine, machine } from './lib/harness.ts';

/**
 * bench/flood: can one write key's flood starve the others' scoring?
 * Key B sends a steady trickle; its events' time from accepted to scored is
 * measured alone, then while key A floods at many times its per-key limit,
 * in the same run (bench/flood/scenario.ts). Then the control: the same two
 * phases on a fresh runtime with no effective limit (BENCH_CONTROL=0 skips
 * it). Settings: bench/flood/settings.ts and bench/README.md. Measures, never asserts.
 */

const settings = floodSettings();
const m = machine();
const runId = randomBytes(4).toString('hex');
const started = new Date();
const log = (message: string) => console.log(message);
log(`machine: ${describeMachine(m)}`);

let exitCode = 0;
try {
  const scenarios: ScenarioResult[] = [await runScenario(settings, 'per-key limit', true, runId, log)];
  if (settings.control) scenarios.push(await runScenario(settings, 'control: no limit', false, runId, log));
  const section = floodSection(settings, m, started, runId, scenarios);
  log(`\n${section}\n`);
  if (settings.record) appendResults(section);
} catch (error) {
  console.error(error);
  exitCode = 1;
}
process.exit(exitCode);
