import { fmt, markdownTable, median, medianIndex, type Machine } from '../lib/harness.ts';
import { failureCount, phases, type Capacity, type Key, type PhaseRun } from './phases.ts';
import { BATCH_CONCURRENCY, BATCH_SIZE, CONCURRENCY, EVENTS, LATENCY_EVENTS, REPEATS, runId, VISITORS, WARMUP } from './settings.ts';
import type { Verification } from './verify.ts';

export interface ReportInput {
  m: Machine;
  startedAt: Date;
  eventsTable: string;
  runs: Map<Key, PhaseRun[]>;
  capacity: Capacity;
  sent: number;
  verification: Verification;
}

/** Prints the tables and returns the RESULTS.md section: figures, where the time goes, capacity, verification and a reading. */
export function report({ m, startedAt, eventsTable, runs, capacity, sent, verification }: ReportInput): string {
  const { probeSize, firstUnits, duplicateUnits, duplicateOutcome, expectedUnits, sampleSizes } = capacity;
  const { stored, applied, allFailures } = verification;
  const summary = phases.map(({ key, name }) => {
    const list = runs.get(key)!;
    const rates = list.map((r) => r.eventsPerSecond);
    const mid = list[medianIndex(rates)]!;
    return { key, name, list, rate: median(rates), mid, baseline: (key === 'track1' || key === 'raw1' ? 'raw1' : 'raw') as Key };
  });
  const byKey = (k: Key) => summary.find((s) => s.key === k)!;
  const raw = byKey('raw');
  const track = byKey('track');
  const batch = byKey('batch');
  const track1 = byKey('track1');
  const raw1 = byKey('raw1');
  // Ratio per repetition (same moment, same machine state), then the median; and the ratio of medians.
  const perRepRatio = (k: Key, base: Key) => median(runs.get(k)!.map((run, i) => run.eventsPerSecond / runs.get(base)![i]!.eventsPerSecond));
  const trackRatio = track.rate / raw.rate;
  const batchRatio = batch.rate / raw.rate;
  const sequentialRatio = track1.rate / raw1.rate;

  const cpu = (node: number, java: number | undefined) => `${fmt(node, 2)} / ${java === undefined ? 'n/a' : fmt(java, 2)}`;
  const table = markdownTable(
    ['path', 'events/s (median of runs)', 'runs (events/s)', 'p50 / p99 per request (ms)', 'HTTP ÷ raw PutItem', 'failed requests'],
    summary.map((s) => [
      s.name,
      fmt(s.rate),
      s.list.map((r) => fmt(r.eventsPerSecond)).join(', '),
      `${fmt(s.mid.p50, 1)} / ${fmt(s.mid.p99, 1)}`,
      s.key === s.baseline ? '—' : `**${fmt(s.rate / byKey(s.baseline).rate, 2)}** (median of per-run ratios ${fmt(perRepRatio(s.key, s.baseline), 2)})`,
      String(s.list.reduce((sum, r) => sum + failureCount(r.failures), 0)),
    ]),
  );
  const costTable = markdownTable(
    [
      'path',
      'CPU ms per event while ingesting: Node / DynamoDB Local',
      'CPU ms per event until scored: Node / DynamoDB Local',
      'cores busy while ingesting: ours / other processes / steal',
      'scoring caught up after the phase (s, per run)',
      'scoring rate, lower bound (events/s, median)',
    ],
    summary.map((s) => [
      s.key,
      cpu(s.mid.nodeCpuPer1k, s.mid.javaCpuPer1k),
      cpu(s.mid.nodeCpuWithScoringPer1k, s.mid.javaCpuWithScoringPer1k),
      `${s.mid.javaCpuPer1k === undefined ? 'n/a' : fmt(((s.mid.nodeCpuPer1k + s.mid.javaCpuPer1k) * s.mid.eventsPerSecond) / 1000, 2)} / ${s.mid.otherCores === undefined ? 'n/a' : fmt(s.mid.otherCores, 2)} / ${s.mid.stealCores === undefined ? 'n/a' : fmt(s.mid.stealCores, 2)}`,
      s.list.map((r) => (r.scoringCatchUpSeconds === undefined ? 'timeout' : fmt(r.scoringCatchUpSeconds, 1))).join(', '),
      fmt(median(s.list.map((r) => r.scoredPerSecond ?? Number.NaN))),
    ]),
  );
  const capacityTable = markdownTable(
    ['write', 'item size', 'DynamoDB Local reported (ReturnConsumedCapacity TOTAL)', 'expected on AWS (on-demand, 1 WRU per started KB)'],
    [
      ['new event (conditional put succeeds)', `${probeSize} B`, firstUnits === undefined ? 'nothing' : `${firstUnits} WCU`, `${expectedUnits} WRU`],
      [
        'duplicate (condition fails)',
        `${probeSize} B stored`,
        duplicateUnits === undefined ? `nothing (${duplicateOutcome}; the error body carries no ConsumedCapacity)` : `${duplicateUnits} WCU (${duplicateOutcome})`,
        `${expectedUnits} WRU (a failed condition is billed on the existing item's size, at least 1)`,
      ],
    ],
  );
  console.log(`\n${table}\n\n${costTable}\n\n${capacityTable}\n`);

  const failureLines = summary.flatMap((s) =>
    s.list.flatMap((r, i) =>
      failureCount(r.failures) > 0 ? [`- ${s.key} run ${i + 1}: ${JSON.stringify(Object.fromEntries(r.failures.byStatus))}; e.g. ${r.failures.samples.map((x) => `\`${x}\``).join('; ')}`] : [],
    ),
  );

  // How busy the cores were while ingesting: CPU per event (both processes) × events/s ÷ cores.
  // Ours (this process and DynamoDB Local), plus whatever else ran on the machine, plus steal.
  const ours = (x: (typeof summary)[number]) =>
    x.mid.javaCpuPer1k === undefined ? undefined : ((x.mid.nodeCpuPer1k + x.mid.javaCpuPer1k) * x.mid.eventsPerSecond) / 1000;
  const busy = (x: (typeof summary)[number]) => {
    const o = ours(x);
    return o === undefined ? undefined : (o + (x.mid.otherCores ?? 0) + (x.mid.stealCores ?? 0)) / m.cores;
  };
  const otherLoads = [...runs.values()].flat().map((r) => r.otherCores ?? 0);
  const maxOther = Math.max(...otherLoads);
  const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${fmt(x * 100)}%`);
  const saturated = [track, raw].every((x) => (busy(x) ?? 0) >= 0.8);
  const scoringRate = median(
    [track, batch, raw].flatMap((x) => x.list.map((r) => r.scoredPerSecond ?? Number.NaN)).filter((v) => Number.isFinite(v)),
  );
  const reading =
    `With ${CONCURRENCY} requests in flight, the full local HTTP path took ${fmt(track.rate)} single \`/v1/track\` events/s, ` +
    `${fmt(trackRatio, 2)} × the ${fmt(raw.rate)} conditional PutItem/s the same DynamoDB Local took directly in the same run; ` +
    `\`/v1/batch\` (${BATCH_SIZE} per request, ${BATCH_CONCURRENCY} in flight, written 16 at a time by the function) reached ${fmt(batch.rate)} events/s (${fmt(batchRatio, 2)} × raw)` +
    (batchRatio >= 1
      ? `: one request carries ${BATCH_SIZE} events, and its puts leave from the function's own worker thread, while the bench's raw puts share the main thread with the HTTP server, the stream poller and the load generator. `
      : '. ') +
    `Runs varied: raw PutItem ${fmt(Math.min(...raw.list.map((r) => r.eventsPerSecond)))}–${fmt(Math.max(...raw.list.map((r) => r.eventsPerSecond)))} events/s, ` +
    `per-run /v1/track ÷ raw ratios ${fmt(Math.min(...runs.get('track')!.map((r, i) => r.eventsPerSecond / runs.get('raw')![i]!.eventsPerSecond)), 2)}–${fmt(Math.max(...runs.get('track')!.map((r, i) => r.eventsPerSecond / runs.get('raw')![i]!.eventsPerSecond)), 2)}; read the ratio to one decimal. ` +
    `Unloaded, one request at a time, a \`/v1/track\` took ${fmt(track1.mid.p50, 1)} ms (p50) against ${fmt(raw1.mid.p50, 1)} ms for the bare PutItem: ` +
    `the HTTP server, the API Gateway event, the hop to the function's worker thread, middy, zod and the key lookup (cached) add about ${fmt(track1.mid.p50 - raw1.mid.p50, 1)} ms per request. ` +
    `Under load the ${m.cores} cores were ${saturated ? 'saturated' : 'not saturated'} (busy ${pct(busy(track))} during /v1/track, ${pct(busy(raw))} during raw puts, other processes included), ` +
    (saturated
      ? `so the rates are CPU-bound and the ratio is in effect the ratio of CPU per event: ${fmt(track.mid.nodeCpuPer1k + (track.mid.javaCpuPer1k ?? 0), 1)} ms per single HTTP event ` +
        `(Node ${fmt(track.mid.nodeCpuPer1k, 2)}, load generator included as it runs in the same process; DynamoDB Local ${fmt(track.mid.javaCpuPer1k ?? Number.NaN, 2)}, including the scoring that ran meanwhile) ` +
        `against ${fmt(raw.mid.nodeCpuPer1k + (raw.mid.javaCpuPer1k ?? 0), 1)} ms per raw put (Node ${fmt(raw.mid.nodeCpuPer1k, 2)}, DynamoDB Local ${fmt(raw.mid.javaCpuPer1k ?? Number.NaN, 2)}). `
      : `so something other than CPU (round trips, the single worker per function) limits the HTTP path. `) +
    (maxOther >= 0.1
      ? `Other work was running on the machine during the bench (up to ${fmt(maxOther, 2)} cores' worth in a measured phase, ${fmt(median(otherLoads), 2)} in the median phase, see the table): it hits phases unevenly and is a main source of the spread between runs. `
      : 'Nothing else ran on the machine meanwhile. ') +
    `Scoring ran from the stream throughout, as it does in the real system, and it is the slowest stage here: it applied about ${fmt(scoringRate)} events/s (phase events ÷ time until the last was applied, a lower bound) and needed ${fmt(median(track.list.map((r) => r.scoringCatchUpSeconds ?? Number.NaN)), 1)} s after a ${fmt(EVENTS)}-event /v1/track phase to catch up; ` +
    `with ${VISITORS} visitors nearly every event of a stream batch is a different lead, and the function updates up to 8 leads at once, each with its own round trips (read lead, read markers, one transaction), so its cost per event is several round trips and about ${fmt(raw.mid.nodeCpuWithScoringPer1k - raw.mid.nodeCpuPer1k + ((raw.mid.javaCpuWithScoringPer1k ?? 0) - (raw.mid.javaCpuPer1k ?? 0)), 1)} ms of CPU per event (counted from the end of the phase until its last event was applied, so the stream poller's and this bench's polling are in it too), more than ingesting it. ` +
    `On capacity, the hot path is one conditional PutItem per event: DynamoDB Local reported ${firstUnits ?? 'no'} WCU for a ${probeSize}-byte stored event and ${duplicateUnits === undefined ? 'returned no ConsumedCapacity for the duplicate (the error response has none)' : `${duplicateUnits} for the duplicate`}; ` +
    `AWS on-demand bills ${expectedUnits} WRU for each (1 WRU per started KB; a failed condition is billed on the existing item's size, at least 1), and the stored events of this run are ${Math.min(...sampleSizes)}–${Math.max(...sampleSizes)} B, well inside the first KB. ` +
    `These are figures for one machine where load generator, functions and database share the cores: they compare the local HTTP path with the raw write, they do not predict what Lambda and DynamoDB sustain on AWS, where functions scale out and the table is elsewhere.`;

  const section = `## ingest — ${startedAt.toISOString().slice(0, 10)}

- Run: ${startedAt.toISOString()} (run id \`${runId}\`), \`npm run bench -- ingest\`
- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.platform}
- Local runtime: DynamoDB Local (in memory) with the synthesized tables, the ingest and scoring functions in worker threads (one warm instance each), the stream poller feeding scoring; load generator in the same process
- Load: ${REPEATS} run${REPEATS === 1 ? '' : 's'} × ${fmt(EVENTS)} events per path (${fmt(LATENCY_EVENTS)} for the one-in-flight phases), phases interleaved (${phases.map((p) => p.key).join(', ')} in each run); ${fmt(WARMUP)} warm-up events per path first, not measured; each phase starts after scoring has applied every earlier event; events from ${VISITORS} anonymous visitors, unique messageIds
- Raw PutItem: the items the ingest function stores for the same events (\`toStoredEvent\`, kind \`tracking\`), \`attribute_not_exists(messageId)\`, the same document client settings, table \`${eventsTable}\`

${table}

Ratio HTTP ÷ raw PutItem (medians, same run): **/v1/track ${fmt(trackRatio, 2)}** at ${CONCURRENCY} in flight, /v1/batch ${fmt(batchRatio, 2)}, /v1/track ${fmt(sequentialRatio, 2)} with one request in flight (each one-in-flight ratio is against raw PutItem at one in flight).

Where the time goes (the run with the median rate; CPU of this Node process, all threads, and of the DynamoDB Local JVM; "until scored" adds the time the scoring function needed to apply the phase's events after it ended):

${costTable}

Write capacity per event:

${capacityTable}

Verification: ${fmt(sent)} events sent (warm-up, measured and the capacity probe), **${fmt(stored)} items in \`${eventsTable}\`**${stored === sent ? ' (equal)' : ' (NOT EQUAL)'}, ${fmt(applied)} applied by scoring; ${allFailures} failed requests in the measured phases.
${failureLines.length > 0 ? `\nFailures:\n\n${failureLines.join('\n')}\n` : ''}
${reading}
`;
  return section;
}
