import { describeMachine, fmt, markdownTable, percentile, type Machine } from '../lib/harness.ts';
import type { PhaseResult, ScenarioResult } from './scenario.ts';
import type { FloodSettings } from './settings.ts';

/** bench/flood's RESULTS.md section: B's time to scored, quiet and flooded, A's answers, units per event. */

const p = (values: readonly number[], q: number) => fmt(percentile(values, q));
const ratio = (flood: readonly number[], quiet: readonly number[], q: number) => fmt(percentile(flood, q) / percentile(quiet, q), 2);

function units(phase: PhaseResult) {
  const ingest = phase.functions.filter((f) => f.functionLogicalId.includes('Ingest'));
  const scoring = phase.functions.filter((f) => f.eventsScored > 0);
  const sum = (fs: typeof ingest, k: 'writeUnits' | 'readUnits' | 'eventsScored' | 'invocations') => fs.reduce((n, f) => n + f[k], 0);
  const stored = phase.a.eventsAccepted + phase.ackMs.length;
  const scored = sum(scoring, 'eventsScored');
  return {
    stored,
    ingestInvocations: sum(ingest, 'invocations'),
    ingestWrite: sum(ingest, 'writeUnits'),
    ingestRead: sum(ingest, 'readUnits'),
    scored,
    scoreWrite: sum(scoring, 'writeUnits'),
    scoreRead: sum(scoring, 'readUnits'),
  };
}

export function floodSection(settings: FloodSettings, m: Machine, started: Date, runId: string, scenarios: readonly ScenarioResult[]): string {
  const offered = settings.limitPerSecond * settings.floodTimes;
  const rows = scenarios.flatMap((s) =>
    s.phases.map((ph) => [
      s.label,
      ph.name,
      String(ph.scoredMs.length),
      p(ph.scoredMs, 50),
      p(ph.scoredMs, 95),
      fmt(Math.max(...ph.scoredMs)),
      p(ph.ackMs, 50),
      `${ph.bRefused} / ${ph.bFailed}`,
      ph.name === 'flood' ? `${fmt(ph.a.requests)}: ${fmt(ph.a.accepted)} / ${fmt(ph.a.refused)} / ${ph.a.other}` : '—',
      ph.name === 'flood' ? `${fmt(ph.a.eventsAccepted)} / ${fmt(ph.a.eventsRefused)} (${fmt(ph.a.eventsAccepted / ph.seconds, 1)}/s in)` : '—',
      ph.name === 'flood' ? fmt(ph.a.skippedInFlightCap) : '—',
      fmt(ph.drainSeconds, 1),
      fmt(ph.busyCores, 2),
    ]),
  );
  const ratioRows = scenarios.map((s) => {
    const quiet = s.phases.find((ph) => ph.name === 'quiet')!;
    const flood = s.phases.find((ph) => ph.name === 'flood')!;
    return [s.label, ratio(flood.scoredMs, quiet.scoredMs, 50), ratio(flood.scoredMs, quiet.scoredMs, 95)];
  });
  const unitRows = scenarios.flatMap((s) =>
    s.phases.map((ph) => {
      const u = units(ph);
      return [
        s.label,
        ph.name,
        fmt(u.stored),
        `${fmt(u.ingestInvocations)}`,
        `${fmt(u.ingestWrite, 1)} (${fmt(u.ingestWrite / u.stored, 2)} per event accepted)`,
        `${fmt(u.ingestRead, 1)}`,
        fmt(u.scored),
        fmt(u.scoreWrite / u.scored, 2),
        fmt(u.scoreRead / u.scored, 2),
      ];
    }),
  );
  const limited = scenarios.find((s) => s.limited);
  const limitedFlood = limited?.phases.find((ph) => ph.name === 'flood');
  const limitedQuiet = limited?.phases.find((ph) => ph.name === 'quiet');
  const control = scenarios.find((s) => !s.limited);
  const controlFlood = control?.phases.find((ph) => ph.name === 'flood');
  const controlQuiet = control?.phases.find((ph) => ph.name === 'quiet');
  const reading = [
    limitedFlood && limitedQuiet
      ? `With the per-key limit, B's events went from accepted to scored in ${p(limitedQuiet.scoredMs, 50)} ms at p50 (p95 ${p(limitedQuiet.scoredMs, 95)}) alone and ${p(limitedFlood.scoredMs, 50)} ms (p95 ${p(limitedFlood.scoredMs, 95)}) while A offered ${fmt(offered)} events/s, ${settings.floodTimes} × its limit: flooded ÷ quiet ${ratio(limitedFlood.scoredMs, limitedQuiet.scoredMs, 50)} at p50 and ${ratio(limitedFlood.scoredMs, limitedQuiet.scoredMs, 95)} at p95. A got ${fmt(limitedFlood.a.eventsAccepted)} events in (${fmt(limitedFlood.a.accepted)} requests) and ${fmt(limitedFlood.a.eventsRefused)} refused (${fmt(limitedFlood.a.refused)} requests answered 429), ${fmt(limitedFlood.a.eventsAccepted / limitedFlood.seconds, 1)} events/s against a limit of ${settings.limitPerSecond}/s with a burst of ${settings.burst}. What slowdown is left comes from what the limit lets through and what refusing costs: each of A's admitted events starts a new lead (scoring wrote ${fmt(units(limitedFlood).scoreWrite / units(limitedFlood).scored, 2)} units per event in the flood phase against ${fmt(units(limitedQuiet).scoreWrite / units(limitedQuiet).scored, 2)} for B's returning leads alone), and A's ${fmt(limitedFlood.a.refused)} refused requests still took the ingest worker and CPU on a machine ${fmt(limitedFlood.busyCores, 2)} of 2 cores busy.`
      : '',
    controlFlood && controlQuiet
      ? `The control, the same phases with no effective limit: ${p(controlQuiet.scoredMs, 50)} ms quiet and ${p(controlFlood.scoredMs, 50)} ms flooded at p50 (p95 ${p(controlQuiet.scoredMs, 95)} and ${p(controlFlood.scoredMs, 95)}), flooded ÷ quiet ${ratio(controlFlood.scoredMs, controlQuiet.scoredMs, 50)} and ${ratio(controlFlood.scoredMs, controlQuiet.scoredMs, 95)}; A got ${fmt(controlFlood.a.eventsAccepted)} events in accepted requests (${fmt(controlFlood.a.eventsAccepted / controlFlood.seconds, 1)}/s) and ${fmt(units(controlFlood).scored)} events were stored and scored in the phase (${controlFlood.a.other + controlFlood.bFailed === 0 ? 'no request failed' : `${controlFlood.a.other} of A's and ${controlFlood.bFailed} of B's requests failed, at the ingest function's timeout or past it, some after storing part of their events; a client's retry is deduplicated by messageId`}), and the stream took ${fmt(controlFlood.drainSeconds, 1)} s after sending ended to catch up: B's events waited behind A's in the stream scoring reads, and B's requests waited behind A's at ingest (B's ack p50 ${p(controlFlood.ackMs, 50)} ms).`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  return [
    `## flood — ${started.toISOString().slice(0, 10)}`,
    '',
    `- Run: ${started.toISOString()} (run id \`${runId}\`), \`npm run bench -- flood\`, real clock`,
    `- Machine: ${describeMachine(m)}; shared with other helpers' tests and benches while this ran (see the busy cores)`,
    `- Local runtime per run: DynamoDB Local, the functions in worker threads (one ingest worker: its buckets are all of ingest's, as one Lambda instance's), the stream poller with the template's mapping (batch 100, window 1 s), metrics on (EMF lines read for units)`,
    `- Limit in the limited run: ${settings.limitPerSecond} events/s per write key, bursts of ${settings.burst} (\`LEADLOOP_KEY_EVENTS_PER_SECOND\`, \`LEADLOOP_KEY_BURST_EVENTS\`); the control run sets 1,000,000/s and 10,000,000`,
    `- Key B: ${settings.bRate} page views per second, one per \`/v1/page\` request, over ${settings.bLeads} leads, open loop, ${settings.seconds} s per phase; measured from B's 200 to the event's marker on its lead (scoring applied it), polled every 100 ms`,
    `- Key A (flood phase only): ${fmt(offered)} events/s offered (${settings.floodTimes} × the limit) in \`/v1/batch\` requests of ${settings.floodBatch}, open loop, at most 64 in flight (a request due while 64 are in flight is skipped and counted); 500 anonymous visitors`,
    `- Phases in one run, one after the other: quiet (B alone), then flood (B and A together); each waits for B's events to be scored and the stream to go idle before the next; one warm-up event per lead first, not measured`,
    '',
    markdownTable(
      ['run', 'phase', "B's events", 'B accepted→scored p50 ms', 'p95 ms', 'max ms', 'B ack p50 ms', 'B 429 / other', 'A requests: 200 / 429 / other', 'A events in / refused', 'A skipped (cap)', 'catch-up after sending s', 'cores busy (machine)'],
      rows,
    ),
    '',
    markdownTable(['run', 'flooded ÷ quiet, p50', 'flooded ÷ quiet, p95'], ratioRows),
    '',
    'DynamoDB units (`ReturnConsumedCapacity: TOTAL` through meteredClient, from the functions\' EMF lines), per phase:',
    '',
    markdownTable(['run', 'phase', 'events in accepted requests', 'ingest invocations', 'ingest write units', 'ingest read units', 'events scored', 'scoring write units per scored event', 'scoring read units per scored event'], unitRows),
    '',
    reading,
    limitedFlood && limitedQuiet
      ? `Ingest's write units per stored event: ${fmt(units(limitedQuiet).ingestWrite / units(limitedQuiet).stored, 2)} quiet and ${fmt(units(limitedFlood).ingestWrite / units(limitedFlood).stored, 2)} while A was refused ${fmt(limitedFlood.a.eventsRefused)} events: a refused request writes nothing (the limit is checked before any write); ingest's read units are the key lookups, cached 60 s per key in the function. What a refused request still costs is its invocation (on AWS a Lambda request and its duration) and a share of the stage's request budget: the per-key limit keeps the flood out of the table and the stream, not out of the API. Locally one ingest worker holds every bucket; on AWS each instance holds its own (README, "Abuse limits and alarms").`
      : '',
  ].join('\n');
}
