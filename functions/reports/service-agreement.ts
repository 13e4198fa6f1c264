import { agreementPeriods, type AgreementPeriod, type ServiceAgreementQuery } from '#core/reports/agreement-period.ts';
import { scorecard, type Scorecard } from '#core/reports/scorecard.ts';
import { contactCountsOf, scorecardSumsOf } from '#core/reports/scorecard-counts.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';
import type { FunnelPorts } from './funnel.ts';

export interface ServiceAgreementPorts extends Pick<FunnelPorts, 'now'> {
  /** the report counts of a family over each period (its days), per value of a dimension, in one read: whole months from their totals */
  sliceCountsOfPeriods: (family: string, periods: readonly (readonly string[])[], dimension: string) => Promise<Map<string, Record<string, number>>[]>;
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

/**
 * The service-agreement scorecard of a week or month: marketing's MQLs,
 * acceptance rate and ratings; sales' acceptances in time, time to accept and
 * to first contact, follow-up activities and feedback coverage; for the
 * company, each team and each rep, with the trend against the period before,
 * and MQLs against the commitment over the last periods. Read from the report
 * counts in three reads (a month from its totals, a week from its days), never a scan.
 */
export async function serviceAgreementOfPeriod(query: ServiceAgreementQuery, ports: ServiceAgreementPorts): Promise<ServiceAgreementReport> {
  const { current, previous, trend } = agreementPeriods(query, ports.now());
  // three reads: the whole company over the trend's periods (the two compared are its last two), teams and reps over those two
  const compared = [previous.days, current.days];
  const [all, [teamsBefore, teamsNow], [repsBefore, repsNow]] = await Promise.all([
    ports.sliceCountsOfPeriods('funnel', trend.map((p) => p.days), 'all'),
    ports.sliceCountsOfPeriods('funnel', compared, 'team'),
    ports.sliceCountsOfPeriods('funnel', compared, 'rep'),
  ]);
  const now = [all.at(-1)!, teamsNow!, repsNow!] as const;
  const before = [all.at(-2)!, teamsBefore!, repsBefore!] as const;
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
    mqlTrend: trend.map((p, i) => {
      const mqls = all[i]!.get('all')?.['reached.mql'] ?? 0;
      const target = (ports.serviceAgreement.marketing.mqlsPerWeek * p.days.length) / 7;
      return { from: p.from, to: p.to, mqls, target: Math.round(target * 10) / 10, met: mqls >= target };
    }),
  };
}
