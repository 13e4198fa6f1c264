import type { Execution } from '../../local/step-functions.ts';
import { AWS_PRICES, lambdaGbSecondPrice, PRICES_CHECKED, PRICES_REGION } from '../lib/aws-prices.ts';
import { describeMachine, fmt, markdownTable, percentile, type Machine } from '../lib/harness.ts';
import { PER_UNIT_LABEL, perUnit, type BillLine, type CountedWork } from './bill.ts';
import type { RunResult } from './phases.ts';
import type { BillPath, CostSetup } from './setup.ts';
import { CLOCK_SPEED, runId, SECONDS, SEED } from './settings.ts';
import { ending, FOLLOWING_UP, type Verification } from './verify.ts';
import type { Workload } from './workload.ts';

export interface ReportInput {
  m: Machine;
  startedAt: Date;
  setup: Pick<CostSetup, 'functions' | 'stream'>;
  workload: Workload;
  result: RunResult;
  work: CountedWork;
  lines: BillLine[];
  executions: Execution[];
  verification: Verification;
  busyCores: number;
}

const usd = (x: number) => (x === 0 ? '$0' : x >= 0.1 ? `$${fmt(x, 2)}` : x >= 0.001 ? `$${fmt(x, 4)}` : `$${x.toPrecision(2)}`);
const quantity = (x: number) => (Number.isInteger(x) || x >= 100 ? fmt(x) : x >= 1 ? fmt(x, 2) : fmt(x, 4));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : sum(xs) / xs.length);

/** The RESULTS.md section: the bill per 1M events and per 1k hand-offs, the prices, breakdowns, and a reading. */
export function report(input: ReportInput): string {
  const { m, startedAt, setup, workload, result, work, lines, executions, verification, busyCores } = input;
  const total = (path: BillPath) => sum(lines.filter((l) => l.path === path).map((l) => l.usd));
  const perEvents = total('events') * perUnit(work, 'events');
  const perHandoffs = total('hand-offs') * perUnit(work, 'hand-offs');
  const runBill = total('events') + total('hand-offs');
  const handoffsPerMillion = (work.handoffs / work.events) * 1e6;

  // ---------------------------------------------------------------- the bill
  // The duration bill had every invocation taken its function's mean when it ran alone in its worker.
  const eventsFunctions = work.functions.filter((f) => f.facts.path === 'events' && f.work.invocations > 0);
  const gbUsd = (f: (typeof eventsFunctions)[number], ms: number) => f.work.invocations * (f.facts.memorySize / 1024) * (ms / 1000) * lambdaGbSecondPrice(f.facts.architecture).usd;
  const durationMeasured = sum(eventsFunctions.map((f) => gbUsd(f, mean(f.work.billedMs)))) * perUnit(work, 'events');
  const durationAlone = sum(eventsFunctions.map((f) => gbUsd(f, f.work.aloneMs.length > 0 ? mean(f.work.aloneMs) : mean(f.work.billedMs)))) * perUnit(work, 'events');
  const overlappedShare = sum(eventsFunctions.map((f) => f.work.overlapped)) / sum(eventsFunctions.map((f) => f.work.invocations));
  const billRows = lines.map((l) => {
    const k = perUnit(work, l.path);
    return [l.path, l.service, l.what, quantity(l.quantity), `${quantity(l.quantity * k)} ${PER_UNIT_LABEL[l.path]}`, `**${usd(l.usd * k)}**${l.note ? ` (${l.note})` : ''}`];
  });
  billRows.push(
    ['**events**', '', '**total per 1,000,000 events**', '', '', `**${usd(perEvents)}**`],
    ['events', '', "total per 1,000,000 events had each invocation taken its function's mean when it ran alone", '', '', usd(perEvents - durationMeasured + durationAlone)],
    ['**hand-offs**', '', '**total per 1,000 leads handed off**', '', '', `**${usd(perHandoffs)}**`],
  );

  // ------------------------------------------------------------- by service
  const services = [...new Set(lines.map((l) => l.service))];
  const serviceRows = services.map((service) => {
    const cost = sum(lines.filter((l) => l.service === service).map((l) => l.usd));
    const events = sum(lines.filter((l) => l.service === service && l.path === 'events').map((l) => l.usd)) * perUnit(work, 'events');
    const handoffs = sum(lines.filter((l) => l.service === service && l.path === 'hand-offs').map((l) => l.usd)) * perUnit(work, 'hand-offs');
    return [service, usd(events), usd(handoffs), usd((cost / work.events) * 1e6), runBill > 0 ? `${fmt((cost / runBill) * 100, 1)}%` : 'n/a'];
  });

  // ------------------------------------------------------------ by function
  const functionRows = work.functions
    .filter((f) => f.work.invocations > 0)
    .sort((a, b) => (a.facts.path === b.facts.path ? b.work.gbSeconds - a.work.gbSeconds : a.facts.path === 'events' ? -1 : 1))
    .map(({ facts, work: w }) => [
      facts.label,
      facts.path,
      `${facts.memorySize} MB ${facts.architecture}`,
      fmt(w.invocations),
      `${fmt(percentile(w.billedMs, 50))} / ${fmt(mean(w.billedMs), 1)} / ${fmt(percentile(w.billedMs, 99))}`,
      w.aloneMs.length > 0 ? fmt(mean(w.aloneMs), 1) : '—',
      fmt(w.gbSeconds, 2),
      `${fmt(w.emfLines)}`,
      fmt(w.writeUnits, 1),
      fmt(w.readUnits, 1),
      `${fmt((w.overlapped / w.invocations) * 100)}%`,
    ]);

  // ------------------------------------------------------------- workload
  const kinds = (k: string) => workload.visitors.filter((v) => v.kind === k).length;
  const rate = work.events / result.sending.seconds;
  const score = work.functions.find((f) => f.facts.path === 'events' && f.work.eventsScored > 0)?.work;
  const ingest = work.functions.find((f) => f.facts.path === 'events' && f.work.eventsScored === 0 && f.work.writeUnits > 0)?.work;
  const recordsPerBatch = score && score.invocations > 0 ? work.stream.records / score.invocations : Number.NaN;
  const transitionsBy = new Map<string, number[]>();
  for (const e of executions) transitionsBy.set(ending(e), [...(transitionsBy.get(ending(e)) ?? []), e.states.length + e.retries]);
  const retries = sum(executions.map((e) => e.retries));
  // A journey the rep answered that still escalated: the answer reached it after the (fast-clock) window.
  const lateAnswers = executions.filter((e) => ending(e) === FOLLOWING_UP && e.states.includes('Escalate')).length;
  const handoffEmails = result.emails.filter((e) => e.subject.startsWith('New lead for you')).length;
  const escalationEmails = result.emails.filter((e) => e.subject.startsWith('Escalation')).length;
  const eventsOf = new Map<string, number>();
  for (const r of workload.requests) eventsOf.set(r.visitor.anonymousId, (eventsOf.get(r.visitor.anonymousId) ?? 0) + r.events);
  const maxEventsPerVisitor = Math.max(...eventsOf.values());
  const eventsLines = lines.filter((l) => l.path === 'events');
  const biggest = [...eventsLines].sort((a, b) => b.usd - a.usd)[0]!;
  const handoffLines = lines.filter((l) => l.path === 'hand-offs');
  const biggestHandoff = [...handoffLines].sort((a, b) => b.usd - a.usd)[0]!;
  const dynamoEvents = sum(eventsLines.filter((l) => l.service === 'DynamoDB').map((l) => l.usd)) * perUnit(work, 'events');
  const writeUnitsPerEvent = sum(eventsLines.filter((l) => l.what === 'DynamoDB write units').map((l) => l.quantity)) / work.events;
  const readUnitsPerEvent = sum(eventsLines.filter((l) => l.what === 'DynamoDB read units').map((l) => l.quantity)) / work.events;
  const streamAtNonLambda = work.stream.calls * AWS_PRICES.streamsReadRequest.usd * perUnit(work, 'events');

  const section = [
    `## cost — ${startedAt.toISOString().slice(0, 10)}`,
    '',
    `- Run: ${startedAt.toISOString()} (run id \`${runId}\`, seed ${SEED}), \`npm run bench -- cost\``,
    `- Machine: ${describeMachine(m)}; ${fmt(busyCores, 2)} cores busy machine-wide while it ran (other processes included). Counts (requests, units, transitions, emails) do not depend on the machine; the Lambda durations do`,
    `- Local runtime: DynamoDB Local, the functions from cdk.out in worker threads, the stream poller with the template's mapping (batch size ${setup.stream.batchSize}, batching window ${setup.stream.windowSeconds} s), the local Step Functions (Standard), the SES stand-in; clock ${fmt(CLOCK_SPEED)}× (an acceptance window of 4 h passes in ${fmt((4 * 3600) / CLOCK_SPEED, 1)} s)`,
    `- Workload: ${fmt(workload.visitors.length)} visitors (${kinds('browsing')} browsing, ${kinds('identified')} identified but not qualified, ${kinds('qualifying')} qualifying), sessions starting over ${SECONDS} s: **${fmt(work.events)} events** in as many requests (${fmt(rate, 1)} events/s on average, open loop, at most ${fmt(result.sending.maxLateMs)} ms late) and ${fmt(result.api.visitor.trackerScripts)} loads of the tracker script; **${fmt(work.handoffs)} leads handed off**; reps accepted ${result.answers.accepted}, rejected ${result.answers.rejected} and left ${result.answers.unanswered} unanswered (escalated, reassigned, recycled) through ${fmt(result.api.links.requests)} link requests (open, then confirm)`,
    `- Counted: API requests as sent; Lambda invocations and each handler's duration (rounded up to the ms, × the memory size in the template: GB-seconds); DynamoDB units from the functions' EMF lines (\`WriteUnits\`, \`ReadUnits\`: what \`ReturnConsumedCapacity: 'TOTAL'\` reported to the adapters' meter on every call); GetRecords calls of the stream poller; states entered and retries in the executions' histories; SES recipients in the SES stand-in`,
    `- Prices: public on-demand prices, ${PRICES_REGION}, as the pricing pages stated them when checked on ${PRICES_CHECKED} (bench/lib/aws-prices.ts); no free tier`,
    '',
    '| price | service | unit | source |',
    '| --- | --- | --- | --- |',
    ...Object.values(AWS_PRICES).map((p) => `| ${p.stated} | ${p.service} | ${p.unit} | ${p.source} |`),
    '',
    markdownTable(['path', 'service', 'counted', 'in the run', 'quantity', 'cost'], billRows),
    '',
    `The whole run's bill was ${usd(runBill)}: ${usd((runBill / work.events) * 1e6)} per 1,000,000 events at this workload's mix of ${fmt(handoffsPerMillion)} hand-offs per million events. By service:`,
    '',
    markdownTable(['service', 'events path, per 1M events', 'hand-off path, per 1k hand-offs', 'whole bill per 1M events at this mix', 'share of the bill'], serviceRows),
    '',
    'By function (durations are this machine\'s: DynamoDB Local and the other workers share its cores, so they are an estimate of what Lambda would bill):',
    '',
    markdownTable(['function', 'path', 'memory', 'invocations', 'billed ms p50 / mean / p99', 'mean alone', 'GB-s', 'EMF lines', 'write units', 'read units', 'overlapped'], functionRows),
    '',
    `"Overlapped": invocations that started while another of the same function was running in its worker thread (on AWS each has its own environment); their durations include the other's work. "Mean alone": the mean of the others. Stream: ${fmt(work.stream.calls)} GetRecords calls, ${fmt(work.stream.withRecords)} of them returned records${score ? `; the scoring function ran ${fmt(score.invocations)} times for ${fmt(work.stream.records)} records (${fmt(recordsPerBatch, 1)} per batch) and reported ${fmt(score.eventsScored)} events scored (the rep's decisions are events too)` : ''}. Journeys: ${executions.length} executions, ${[...transitionsBy].map(([end, ts]) => `${ts.length} ended "${end}" (${fmt(mean(ts), 1)} transitions each)`).join(', ')}; ${retries} retries${lateAnswers > 0 ? `; ${lateAnswers} answered ${lateAnswers === 1 ? 'journey' : 'journeys'} escalated once because the answer reached them after the window (${fmt((4 * 3600) / CLOCK_SPEED, 1)} s here): an artefact of the fast clock that adds 3 transitions each` : ''}. Emails: ${handoffEmails} hand-offs and ${escalationEmails} escalations, ${work.emailRecipients} recipients.`,
    '',
    verification.problems.length === 0
      ? `Verification: all ${fmt(result.api.visitor.requests)} visitor requests and ${fmt(result.api.links.requests)} link requests answered 200; the events table holds the ${fmt(verification.storedEvents)} events; every qualifying visitor was handed off once and every journey ended as the rep's answer says (${[...verification.endings].map(([end, n]) => `${n} ${end}`).join(', ')}); no failed invocation, no stream batch set aside.`
      : `Verification found problems, so read the figures with care: ${verification.problems.join('; ')}.`,
    '',
    `Reading: the events' path costs **${usd(perEvents)} per 1,000,000 events** and a hand-off **${usd(perHandoffs)} per 1,000 leads**. ` +
      `On the events' path the largest line is ${biggest.service} (${biggest.what}), ${usd(biggest.usd * perUnit(work, 'events'))} per million events; DynamoDB comes to ${usd(dynamoEvents)} per million, from ${fmt(writeUnitsPerEvent, 2)} write units and ${fmt(readUnitsPerEvent, 2)} read units per event counted here` +
      `${ingest ? ` (the ingest function's put is ${fmt(ingest.writeUnits / work.events, 2)} of those write units)` : ''}. ` +
      `The visitors here are short-lived: ${fmt(work.events / workload.visitors.length, 1)} events each on average, at most ${fmt(maxEventsPerVisitor)}; scoring's writes per event do not grow with a lead's history (bench/cost-per-event follows one lead over 150 events: under 3 write units an event), while a short-lived visitor pays its lead's creation, identification and stage changes over few events, so this mix costs more per event in writes than a site whose leads come back for months. ` +
      `The stream reads cost nothing because Lambda's event source mapping makes them; a consumer of another kind would pay ${usd(streamAtNonLambda)} per million events for the same ${fmt(work.stream.calls)} calls, most of them the idle polls of a quiet stream. ` +
      `Lambda's duration on the events' path, ${usd(durationMeasured)} per million events, is measured on this machine (${fmt(overlappedShare * 100)}% of those invocations overlapped another of the same function); had each taken its function's mean when alone, it would be ${usd(durationAlone)}. ` +
      `The scoring function saw ${fmt(recordsPerBatch, 1)} records per batch at ${fmt(rate, 1)} events/s; at lower traffic each event comes closer to a batch of its own, which adds Lambda requests and per-invocation time (and, for a lead with several events in one batch, writes it no longer shares). ` +
      `Per lead handed off, ${biggestHandoff.service} (${biggestHandoff.what}) is the largest line (${usd(biggestHandoff.usd * perUnit(work, 'hand-offs'))} per 1,000); an unanswered lead costs more than an accepted one (the ladder's escalation, reassignment and second hand-off). ` +
      `Not in the model: free tiers, CloudWatch Logs (the functions' log and EMF lines), X-Ray traces (tracing is on), CORS preflights, data transfer, storage, and the init duration of cold starts.`,
  ].join('\n');
  return section;
}
