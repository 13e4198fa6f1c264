import { scoringModel } from '../../config/index.ts';
import { fmt, markdownTable, median, medianIndex, type Machine } from '../lib/harness.ts';
import { writeUnitsFor } from '../lib/item-size.ts';
import type { Measured, PhaseKey, PortTiming, Run, Scaling } from './phases.ts';
import type { Seeded } from './seed.ts';
import { CONCURRENCY, EVENTS, IN_FLIGHT, LEADS, REPEATS, runId, SEED_CONCURRENCY, SEGMENTS, WARMUP_RESCORES } from './settings.ts';
import type { BenchTables } from './setup.ts';
import type { Verification } from './verify.ts';

export interface ReportInput {
  m: Machine;
  startedAt: Date;
  tables: BenchTables;
  seeded: Seeded;
  measured: Measured;
  scaling: Scaling;
  verification: Verification;
}

/** Prints the tables and returns the RESULTS.md section: figures, where the time goes, verification and a reading. */
export function report({ m, startedAt, tables, seeded, measured, scaling: scaled, verification }: ReportInput): string {
  const { leadsTable, eventsTable } = tables;
  const { outcomes, perLead, stageLine, profileSizes, sizeLine, seeding, seededItems } = seeded;
  const { phases, runs, warmupRates } = measured;
  const { scaling, scalingLine } = scaled;
  const { problems, lastVersion, rescores, profilesChecked, storedEvents, markers, leadTableItems, journeys } = verification;
  const kb = (bytes: number) => fmt(bytes / 1024, 1);
  // ---- report
  const summary = phases.map(({ key, name }) => {
    const list = runs.get(key)!;
    const rates = list.map((run) => run.eventsPerSecond);
    return { key, name, list, rate: median(rates), leadRate: median(list.map((run) => run.leadsPerSecond)), mid: list[medianIndex(rates)]! };
  });
  const byKey = (k: PhaseKey) => summary.find((s) => s.key === k);
  const perRunRatio = (k: PhaseKey, base: PhaseKey) => {
    const a = runs.get(k);
    const b = runs.get(base);
    return a && b && a.length === b.length ? median(a.map((run, i) => run.eventsPerSecond / b[i]!.eventsPerSecond)) : Number.NaN;
  };
  const baselineOf: Partial<Record<PhaseKey, PhaseKey>> = { rescore: 'read', rescore1: 'read1' };
  const cpuMs = (run: Run) => `${fmt((run.cpu.node / run.events) * 1e6, 0)} / ${run.cpu.java === undefined ? 'n/a' : fmt((run.cpu.java / run.events) * 1e6, 0)}`;
  const busy = (run: Run) =>
    `${run.cpu.java === undefined ? 'n/a' : fmt((run.cpu.node + run.cpu.java) / run.cpu.seconds, 2)} / ${run.cpu.otherCores === undefined ? 'n/a' : fmt(run.cpu.otherCores, 2)} / ${run.cpu.stealCores === undefined ? 'n/a' : fmt(run.cpu.stealCores, 2)}`;
  const table = markdownTable(
    ['phase', 'events/s (median)', 'leads/s', 'runs (events/s)', 'seconds (median run)', '÷ raw read at the same concurrency', 'CPU µs per event: Node / DynamoDB Local', 'cores busy: ours / other processes / steal'],
    summary.map((s) => {
      const base = baselineOf[s.key];
      return [
        s.name,
        `**${fmt(s.rate)}**`,
        fmt(s.leadRate, 1),
        s.list.map((run) => fmt(run.eventsPerSecond)).join(', '),
        fmt(s.mid.cpu.seconds, 1),
        base && byKey(base) ? `**${fmt(s.rate / byKey(base)!.rate, 2)}**${s.list.length > 1 ? ` (median of per-run ratios ${fmt(perRunRatio(s.key, base), 2)})` : ''}` : '—',
        cpuMs(s.mid),
        s.key === 'compute' ? `${fmt(s.mid.cpu.node / s.mid.cpu.seconds, 2)} / — / —` : busy(s.mid),
      ];
    }),
  );

  const rescoreSummary = byKey('rescore')!;
  const readSummary = byKey('read')!;
  const computeSummary = byKey('compute')!;
  const rescore1 = byKey('rescore1');
  const read1 = byKey('read1');
  const portRows = (run: Run) =>
    [...(run.ports ?? new Map<string, PortTiming>())]
      .filter(([, t]) => t.calls > 0)
      .map(([name, t]) => [`\`${name}\``, fmt(t.calls), fmt(t.ms / t.calls, 2), fmt(t.ms / 1000 / run.cpu.seconds, 2)]);
  const portHeader = ['port', 'calls', 'mean ms per call', 'calls in flight on average (Σ latency ÷ wall time)'];
  const portTable = markdownTable(portHeader, portRows(rescoreSummary.mid));
  const portTable1 = rescore1 ? markdownTable(portHeader, portRows(rescore1.mid)) : '';
  const pages = rescoreSummary.mid.ports?.get('scanLeadIds')?.calls ?? 0;
  console.log(`\n${table}\n\n${portTable}\n${portTable1 ? `\n${portTable1}\n` : ''}`);

  // ---- reading: what bounds the rate
  const mid = rescoreSummary.mid;
  const ourCores = mid.cpu.java === undefined ? undefined : (mid.cpu.node + mid.cpu.java) / mid.cpu.seconds;
  const machineBusy = ourCores === undefined ? undefined : (ourCores + (mid.cpu.otherCores ?? 0) + (mid.cpu.stealCores ?? 0)) / m.cores;
  const saturated = (machineBusy ?? 0) >= 0.8;
  // CPU, not wall time: the compute phase runs on one core, and other processes on the machine can take part of it.
  const computePerEvent = (computeSummary.mid.cpu.node / computeSummary.mid.events) * 1e6;
  const computeShare = (computePerEvent * mid.events) / 1e6 / mid.cpu.seconds;
  const nodePerEvent = (mid.cpu.node / mid.events) * 1e6;
  const javaPerEvent = mid.cpu.java === undefined ? Number.NaN : (mid.cpu.java / mid.events) * 1e6;
  const readNodePerEvent = (readSummary.mid.cpu.node / readSummary.mid.events) * 1e6;
  const readJavaPerEvent = readSummary.mid.cpu.java === undefined ? Number.NaN : (readSummary.mid.cpu.java / readSummary.mid.events) * 1e6;
  const read1JavaPerEvent = read1?.mid.cpu.java === undefined ? Number.NaN : (read1.mid.cpu.java / read1.mid.events) * 1e6;
  const portMs = (run: Run, name: string) => run.ports?.get(name)?.ms ?? 0;
  const ioOfLead = (run: Run) => ['getLead', 'leadEventIds', 'trackingEvents', 'saveLead'].reduce((sum, name) => sum + portMs(run, name), 0);
  const share = (run: Run, name: string) => portMs(run, name) / ioOfLead(run);
  const otherLoads = [...runs.values()].flat().map((run) => run.cpu.otherCores ?? 0);
  const maxOther = Math.max(...otherLoads);
  const pct = (x: number) => `${fmt(x * 100)}%`;

  const reading =
    `Rescoring ${fmt(EVENTS)} stored events of ${fmt(LEADS)} leads took ${fmt(mid.cpu.seconds, 1)} s in the median run: **${fmt(rescoreSummary.rate)} events/s** (${fmt(rescoreSummary.leadRate, 1)} leads/s) with ${SEGMENTS} segments × ${CONCURRENCY} leads, ` +
    `${fmt(rescoreSummary.rate / readSummary.rate, 2)} × the ${fmt(readSummary.rate)} events/s at which the same DynamoDB Local served the same reads alone at the same concurrency` +
    (rescoreSummary.list.length > 1 ? ` (per run ${rescoreSummary.list.map((run, i) => fmt(run.eventsPerSecond / readSummary.list[i]!.eventsPerSecond, 2)).join(', ')}). ` : '. ') +
    (rescoreSummary.list.length > 1 && Math.max(...rescoreSummary.list.map((r) => r.eventsPerSecond)) / Math.min(...rescoreSummary.list.map((r) => r.eventsPerSecond)) > 1.15
      ? `The rescore runs spread ${fmt(Math.min(...rescoreSummary.list.map((r) => r.eventsPerSecond)))}–${fmt(Math.max(...rescoreSummary.list.map((r) => r.eventsPerSecond)))} events/s` +
        (rescoreSummary.list.every((r, i, all) => i === 0 || r.eventsPerSecond >= all[i - 1]!.eventsPerSecond)
          ? `, each faster than the one before: after ${warmupRates.length} warm-up rescores both processes were still getting faster (CPU per event falling in Node and in DynamoDB Local's JVM), so read the rates to about ±15% and prefer the per-run ratios. `
          : `: read the rates to about ±15% and prefer the per-run ratios. `)
      : '') +
    `The domain computation alone (\`rescoreLead\` over the same histories in memory) ran at ${fmt(computeSummary.rate)} events/s, ${fmt(computeSummary.rate / rescoreSummary.rate, 1)} × the full rate; its ${fmt(computePerEvent)} µs of CPU per event add up to ${pct(computeShare)} of the rescore's wall time, ` +
    (computeShare < 0.25 ? 'so the domain code is not what limits the rescore. ' : 'a large share: the domain code is part of what limits the rescore. ') +
    `Per event the full rescore cost ${fmt(nodePerEvent)} µs of Node CPU (about ${fmt(computePerEvent)} µs of it \`rescoreLead\`; the rest is the SDK turning items into JSON and back, HTTP, and the profile with its ledger written once per lead) and ${fmt(javaPerEvent)} µs in DynamoDB Local, ` +
    `against ${fmt(readNodePerEvent)} / ${fmt(readJavaPerEvent)} µs for the raw read. ` +
    `The ${m.cores} cores were ${saturated ? 'saturated' : 'not saturated'} during the rescore (ours ${ourCores === undefined ? 'n/a' : fmt(ourCores, 2)} cores, ${machineBusy === undefined ? 'n/a' : pct(machineBusy)} of the machine with other processes and steal), ` +
    (saturated
      ? `so the rate is bounded by CPU, shared by this process${(mid.cpu.otherCores ?? 0) >= 0.1 ? ', DynamoDB Local and the other processes' : ' and DynamoDB Local'}, and the rescore ÷ read ratio is roughly the ratio of their CPU per event. `
      : `so waiting, not CPU, limits it: round trips per lead and the fewer leads in flight than configured. `) +
    `Of the time leads spent in I/O, reading the events (\`trackingEvents\`, BatchGetItem of ~${fmt(EVENTS / LEADS)} items) took ${pct(share(mid, 'trackingEvents'))}, the marker query ${pct(share(mid, 'leadEventIds'))}, \`getLead\` ${pct(share(mid, 'getLead'))} and the conditional \`saveLead\` write ${pct(share(mid, 'saveLead'))}. ` +
    `Finding the leads costs too: \`scanLeadIds\` reads every item of the leads table (markers, identity links, cycles) to find the profiles, ${fmt(pages)} pages of up to 1,000 items for ${fmt(LEADS)} leads (about ${fmt(LEADS / Math.max(1, pages), 1)} leads per page), and a page's leads run ${CONCURRENCY} at a time (the next page is read meanwhile, but starts only after the page's slowest lead), so ${fmt(mid.leadsInFlight ?? Number.NaN, 1)} of the ${IN_FLIGHT} leads were in flight on average; progress is saved after each page. ` +
    (rescore1 && read1
      ? `One lead at a time, the rescore took ${fmt(rescore1.rate)} events/s (${fmt(rescore1.leadRate, 1)} leads/s, ${fmt(1000 / rescore1.leadRate, 1)} ms per lead) against ${fmt(read1.rate)} for the reads alone (${fmt(rescore1.rate / read1.rate, 2)} ×); ` +
        `there the scan for lead ids alone took ${pct(portMs(rescore1.mid, 'scanLeadIds') / 1000 / rescore1.mid.cpu.seconds)} of the time, and saving the profile ${pct(portMs(rescore1.mid, 'saveLead') / 1000 / rescore1.mid.cpu.seconds)}. ` +
        (rescoreSummary.rate / rescore1.rate < 1.25
          ? `${IN_FLIGHT} leads in flight made the rescore ${fmt(rescoreSummary.rate / rescore1.rate, 2)} × as fast as one: ${rescoreSummary.rate < rescore1.rate ? 'no gain at all' : 'little gain'}, because with everything on ${m.cores} cores more leads in flight only queue for the same CPU. `
          : `${IN_FLIGHT} leads in flight made the rescore ${fmt(rescoreSummary.rate / rescore1.rate, 2)} × as fast as one. `) +
        `DynamoDB Local spent ${fmt(readJavaPerEvent)} µs of CPU per event read with ${IN_FLIGHT} reads in flight and ${fmt(read1JavaPerEvent)} µs with one: ${read1JavaPerEvent < readJavaPerEvent * 0.9 ? 'concurrency costs it CPU, so the raw read gained little from more in flight (${fmt(readSummary.rate)} against ${fmt(read1?.rate ?? Number.NaN)} events/s)' : 'about the same'}. `
      : '') +
    (maxOther >= 0.1
      ? `Other processes used up to ${fmt(maxOther, 2)} cores in a measured phase (median ${fmt(median(otherLoads), 2)}), one source of the spread between runs. `
      : 'Nothing else of note ran on the machine meanwhile. ') +
    `Sizes matter for the bill more than here: the median profile is ${kb(median(profileSizes))} KB (its ledger holds an entry per scored event), and the rescore rewrites every profile with a conditional PutItem (a transaction, at twice the cost, only for a lead whose stage moves), ` +
    `which on AWS costs 1 write unit per started KB: about ${fmt(writeUnitsFor(median(profileSizes)))} WRU per lead, ${fmt(profileSizes.reduce((sum, size) => sum + writeUnitsFor(size), 0) / EVENTS, 2)} per event rescored. ` +
    `The cost per event also grows with a lead's history: \`rescoreLead\` took ${scaling.map((x) => `${fmt(x.usPerEvent)} µs per event at ${fmt(x.events)} events`).join(', ')} (one lead, in memory; each capped rule's points are summed over the whole ledger for every event), ` +
    `and the profile grows by about ${fmt((scaling.at(-1)!.profileBytes - scaling[0]!.profileBytes) / (scaling.at(-1)!.ledger - scaling[0]!.ledger))} B per ledger entry, ${fmt(scaling.at(-1)!.profileBytes / 1024)} KB at ${fmt(scaling.at(-1)!.events)} events, against DynamoDB's 400 KB item limit. ` +
    `On AWS the balance differs: DynamoDB does not share the CPU with the rescore, each call is a network round trip of a few ms, and a rescore is bounded by round trips per lead and the segments × concurrency it runs with, not by this machine's cores.`;

  const section = `## rescore — ${startedAt.toISOString().slice(0, 10)}

- Run: ${startedAt.toISOString()} (run id \`${runId}\`), \`npm run bench -- rescore\`
- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.platform}
- DynamoDB Local (in memory) alone with the synthesized tables (\`${leadsTable}\`, \`${eventsTable}\`, the latter's stream off: nothing reads it here and the rescore writes no events); no functions, no stream poller; the bench in one Node process
- Data: ${fmt(EVENTS)} tracking events over ${fmt(LEADS)} leads (${fmt(Math.min(...perLead))}–${fmt(Math.max(...perLead))} per lead, over up to 90 days), ${fmt(outcomes)} outcome events, ${fmt(leadTableItems)} items in the leads table; stages as seeded: ${stageLine}. Sizes: ${sizeLine}. Seeding ${fmt(seededItems)} items by BatchWriteItem, ${SEED_CONCURRENCY} in flight: ${fmt(seeding.cpu.seconds, 1)} s (${fmt(seededItems / seeding.cpu.seconds)} items/s), not counted
- Model: the deployed \`${scoringModel.version}\` with demo request 35 (was 40) and careers page −15 (was −10), a new version per rescore; \`startJourney\` replaced by a counter (no Step Functions): called ${journeys} times; every other port the live adapter (timed)
- Runs: ${REPEATS} × each phase, interleaved (${phases.filter((p) => !p.once).map((p) => p.key).join(', ')})${phases.some((p) => p.once) ? `, the one-in-flight phases (${phases.filter((p) => p.once).map((p) => p.key).join(', ')}) once, in the last repeat` : ''}${warmupRates.length > 0 ? `; first ${warmupRates.length} warm-up rescore${warmupRates.length === 1 ? '' : 's'} (${warmupRates.map((r) => fmt(r)).join(', ')} events/s), until two in a row agreed within 10% or ${WARMUP_RESCORES} were done, not measured` : '; no warm-up'}; medians reported

${table}

How the compute scales with one lead's history (\`rescoreLead\` in memory, CPU per event; the profile it saves): ${scalingLine}.

Ratios (same run, medians): **rescore ÷ raw read ${fmt(rescoreSummary.rate / readSummary.rate, 2)}** at ${IN_FLIGHT} leads in flight${rescore1 && read1 ? `, ${fmt(rescore1.rate / read1.rate, 2)} at one` : ''}; compute only ÷ rescore ${fmt(computeSummary.rate / rescoreSummary.rate, 1)} (the CPU of \`rescoreLead\` is ${pct(computeShare)} of the rescore's wall time)${rescore1 ? `; rescore ${IN_FLIGHT} in flight ÷ one in flight ${fmt(rescoreSummary.rate / rescore1.rate, 2)}` : ''}.

Where a ${SEGMENTS} × ${CONCURRENCY} rescore spends its time (the median run; the live ports, each call timed; ${fmt(mid.leadsInFlight ?? Number.NaN, 1)} leads in flight on average, from a lead's first read to its save):

${portTable}
${portTable1 ? `\nThe same, one lead at a time (${fmt(rescore1?.mid.leadsInFlight ?? Number.NaN, 2)} leads in flight on average):\n\n${portTable1}\n` : ''}
Verification: all ${rescores} rescores each finished with a progress record of ${fmt(LEADS)} leads and ${fmt(EVENTS)} events${problems.length === 0 ? '' : ' (NOT ALL: see problems)'}; ${fmt(profilesChecked)} of ${fmt(LEADS)} profiles carry model \`…-${lastVersion.split('-').at(-1)}\`, a ledger equal to replaying their seeded events under it, an engagement that follows from it and the stages sales left; ${fmt(storedEvents)} event items and ${fmt(markers)} markers. ${problems.length === 0 ? 'No problems.' : `**${problems.length} problems**: ${problems.slice(0, 5).map((p) => `\`${p}\``).join('; ')}`}

${reading}
`;
  return section;
}
