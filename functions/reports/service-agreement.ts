import { agreementPeriods, type AgreementPeriod, type ServiceAgreementQuery } from '#core/reports/agreement-period.ts';
import { scorecard, type Scorecard } from '#core/reports/scorecard.ts';
import { contactCountsOf, scorecardSumsOf } from '#core/reports/scorecard-counts.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';
import type { FunnelPorts } from './funnel.ts';

export interface ServiceAgreementPorts extends Pick<FunnelPorts, 'now'> {
  /** the report counts of a family over days, per day and value of a dimension; one Query per month and shard */
  sliceCountsByDay: (family: string, days: readonly string[], dimension: string) => Promise<Map<string, Map<string, Record<string, number>>>>;
  serviceAgreement: Pick<ServiceAgreement, 'acceptWithinHours' | 'sales' | 'marketing'>;
  teams: TeamsConfig;
}

/** A side's scorecard with the first contacts behind it (made, in time, missed) and the acceptance deadlines missed. */
export interface AgreementScorecard extends Scorecard {
  contacts: ReturnType<typeof contactCountsOf>;
}

export interface ServiceAgreementReport {
  period: { kind: AgreementPeriod['kind']; from: string; to: string; ends: string };
  previous: { from: string; to: string };
  agreement: ServiceAgreementPorts['serviceAgreement'];
  all: AgreementScorecard;
  teams: { team: string; scorecard: AgreementScorecard }[];
  reps: { rep: string; name?: string; team?: string; scorecard: AgreementScorecard }[];
  /** MQLs per period against the commitment, oldest first, this period last */
  mqlTrend: { from: string; to: string; mqls: number; target: number; met: boolean }[];
}

type Sums = Map<string, Record<string, number>>;

/** The counts of a period's days, per value, from counts kept per day. */
function sumOver(byDay: ReadonlyMap<string, Sums>, period: AgreementPeriod): Sums {
  const sums: Sums = new Map();
  for (const day of period.days) {
    for (const [value, counts] of byDay.get(day) ?? []) {
      const sum = sums.get(value) ?? {};
      for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + n;
      sums.set(value, sum);
    }
  }
  return sums;
}

/**
 * The service-agreement scorecard of a week or month: marketing's MQLs,
 * acceptance rate and ratings; sales' acceptances in time, time to accept and
 * to first contact, follow-up activities and feedback coverage; for the
 * company, each team and each rep, with the trend against the period before,
 * and MQLs against the commitment over the last periods. Read from the report
 * counts in three reads (one Query per month and shard each), never a scan.
 */
export async function serviceAgreementOfPeriod(query: ServiceAgreementQuery, ports: ServiceAgreementPorts): Promise<ServiceAgreementReport> {
  const { current, previous, trend } = agreementPeriods(query, ports.now());
  // three reads: the whole company over the trend's days (the two periods compared are its last two), teams and reps over those two
  const compared = [...previous.days, ...current.days];
  const [all, teams, reps] = await Promise.all([
    ports.sliceCountsByDay('funnel', trend.flatMap((p) => p.days), 'all'),
    ports.sliceCountsByDay('funnel', compared, 'team'),
    ports.sliceCountsByDay('funnel', compared, 'rep'),
  ]);
  const now = [sumOver(all, current), sumOver(teams, current), sumOver(reps, current)] as const;
  const before = [sumOver(all, previous), sumOver(teams, previous), sumOver(reps, previous)] as const;
  const card = (counts: Record<string, number> | undefined, prior: Record<string, number> | undefined): AgreementScorecard => ({
    ...scorecard(scorecardSumsOf(counts ?? {}, current.from, current.to), scorecardSumsOf(prior ?? {}, previous.from, previous.to), ports.serviceAgreement),
    contacts: contactCountsOf(counts ?? {}),
  });
  const segments = (nowSums: Sums, beforeSums: Sums) => [...new Set([...nowSums.keys(), ...beforeSums.keys()])].sort().map((value) => [value, card(nowSums.get(value), beforeSums.get(value))] as const);

  return {
    period: { kind: current.kind, from: current.from, to: current.to, ends: current.ends },
    previous: { from: previous.from, to: previous.to },
    agreement: ports.serviceAgreement,
    all: card(now[0].get('all'), before[0].get('all')),
    teams: segments(now[1], before[1]).map(([team, scorecard]) => ({ team, scorecard })),
    reps: segments(now[2], before[2]).map(([rep, scorecard]) => {
      const found = findRep(ports.teams, rep);
      return { rep, ...(found && { name: found.rep.name, team: found.team.id }), scorecard };
    }),
    mqlTrend: trend.map((p) => {
      const mqls = sumOver(all, p).get('all')?.['reached.mql'] ?? 0;
      const target = (ports.serviceAgreement.marketing.mqlsPerWeek * p.days.length) / 7;
      return { from: p.from, to: p.to, mqls, target: Math.round(target * 10) / 10, met: mqls >= target };
    }),
  };
}
