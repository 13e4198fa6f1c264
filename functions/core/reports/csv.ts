import type { CampaignCost } from './campaign-cost.ts';
import type { CampaignOfSlice } from './campaign-slices.ts';
import type { CalibrationReport, CalibrationRow, SupportedThreshold } from './calibration.ts';
import type { FeedbackReport } from './feedback.ts';
import type { SegmentFunnel } from './period-funnel.ts';
import type { CommittedMetric, DurationMetrics, Scorecard, ScorecardMetric } from './scorecard.ts';
import type { StalledReport } from './stalled.ts';

/**
 * Every report as CSV (`?format=csv`): one table, a header row, then one row
 * per segment and stage (funnel), per credited value and currency, and per
 * touched share (attribution), per score band, grade and the threshold
 * (calibration), per scope (all, team, rep) and metric, and per period of
 * the MQL trend (service agreement), per stalled lead, and per segment and
 * comment (feedback). The CSV carries what the JSON does, flattened: a
 * number that is a segment's rather than a row's (a funnel segment's
 * decisions, deals, campaign and cost) repeats on each of its rows.
 *
 * Cells follow RFC 4180 (quoted when they hold a comma, a quote or a line
 * break; quotes doubled; rows end in CRLF) and are safe to open in a
 * spreadsheet: text beginning with =, +, -, @, a tab or a carriage return
 * (after any spaces) is prefixed with ' so it is never read as a formula.
 * Absent values (null, no cost, no time in stage) are empty cells. Pure.
 */

type Cell = string | number | boolean | null | undefined;

/** A CSV cell (RFC 4180), safe to open in a spreadsheet: text starting with =, +, -, @, a tab or CR is kept as text. */
export function csvCell(value: Cell | unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[ ]*[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header and rows as CSV text, CRLF after every row. */
export function csvTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const sortedKeys = (records: Iterable<Readonly<Record<string, unknown>>>): string[] => [...new Set([...records].flatMap((r) => Object.keys(r)))].sort();

const COST_HEADER = ['costAmount', 'costCurrency', 'costPerMql', 'costPerOpportunity', 'returnOnRevenue', 'revenueNotCompared'] as const;
const costCells = (cost: CampaignCost | null | undefined): Cell[] =>
  cost ? [cost.amount, cost.currency, cost.perMql, cost.perOpportunity, cost.returnOnRevenue, cost.revenueNotCompared.join(' ')] : COST_HEADER.map(() => '');
const CAMPAIGN_HEADER = ['campaignName', 'campaignType', 'campaignDefined'] as const;
const campaignCells = (campaign: CampaignOfSlice | undefined): Cell[] => (campaign ? [campaign.name, campaign.type, campaign.defined] : ['', '', '']);

/** A funnel segment as the report gives it: by=campaign adds the campaign and its cost. */
export type FunnelCsvSegment = SegmentFunnel & { campaign?: CampaignOfSlice; cost?: CampaignCost | null };

/**
 * The period funnel: one row per segment and stage, with where leads left
 * that stage per reason (`left.<reason>`, one column per reason any segment
 * has), then the segment's decisions, deals (pipeline and revenue per
 * currency), feedback, and by=campaign its campaign and cost.
 */
export function funnelCsv(report: { by: string; period: { from: string; to: string }; segments: readonly FunnelCsvSegment[] }): string {
  const segments = report.segments;
  const reasons = sortedKeys(segments.flatMap((s) => s.stages.map((row) => row.left)));
  const pipeline = sortedKeys(segments.map((s) => s.deals.pipeline));
  const revenue = sortedKeys(segments.map((s) => s.deals.revenue));
  const header = [
    'from',
    'to',
    'by',
    'segment',
    ...CAMPAIGN_HEADER,
    'stage',
    'reached',
    'conversionFromPrevious',
    'leadsTimed',
    'medianHoursInStage',
    'p90HoursInStage',
    ...reasons.map((reason) => `left.${reason}`),
    'accepted',
    'rejected',
    'notAccepted',
    'decidedBeforeDeadline',
    'beforeDeadlineShare',
    'opportunities',
    'won',
    'lost',
    ...pipeline.map((cur) => `pipeline.${cur}`),
    ...revenue.map((cur) => `revenue.${cur}`),
    'feedbackHanded',
    'feedbackCoverage',
    'feedbackSubmissions',
    'averageRating',
    'rating1',
    'rating2',
    'rating3',
    'rating4',
    'rating5',
    ...COST_HEADER,
  ];
  const rows = segments.flatMap((s) => {
    const { decisions: d, deals, feedback: f } = s;
    const segmentCells: Cell[] = [
      d.accepted,
      d.rejected,
      d.notAccepted,
      d.beforeDeadline,
      d.beforeDeadlineShare,
      deals.opportunities,
      deals.won,
      deals.lost,
      ...pipeline.map((cur) => deals.pipeline[cur] ?? 0),
      ...revenue.map((cur) => deals.revenue[cur] ?? 0),
      f.handed,
      f.coverage,
      f.submissions,
      f.averageRating,
      f.ratings['1'],
      f.ratings['2'],
      f.ratings['3'],
      f.ratings['4'],
      f.ratings['5'],
      ...costCells(s.cost),
    ];
    return s.stages.map((row) => [
      report.period.from,
      report.period.to,
      report.by,
      s.segment,
      ...campaignCells(s.campaign),
      row.stage,
      row.reached,
      row.conversionFromPrevious,
      row.timeInStage?.leads ?? 0,
      row.timeInStage?.medianHours,
      row.timeInStage?.p90Hours,
      ...reasons.map((reason) => row.left[reason] ?? 0),
      ...segmentCells,
    ]);
  });
  return csvTable(header, rows);
}

/** What the attribution CSV reads of the attribution report (functions/reports/attribution.ts). */
export interface AttributionCsvInput {
  period: { from: string; to: string };
  model: string;
  by: string;
  rows: readonly {
    value: string;
    campaign?: CampaignOfSlice;
    pipeline: Readonly<Record<string, number>>;
    pipelineDeals: number;
    revenue: Readonly<Record<string, number>>;
    revenueDeals: number;
    cost?: CampaignCost | null;
  }[];
  marketingTouched: Record<'pipeline' | 'revenue', AttributionShare>;
  salesTouched: Record<'pipeline' | 'revenue', AttributionShare>;
}
interface AttributionShare {
  deals: number;
  touchedDeals: number;
  share: number | null;
  amounts: Readonly<Record<string, number>>;
  touchedAmounts: Readonly<Record<string, number>>;
}

/**
 * Attribution: a `credit` row per value and currency (a value credited deals
 * without an amount, and no currency, has one row with an empty currency),
 * with by=campaign the campaign (its not-defined flag) and cost; then
 * `marketing-touched` and `sales-touched` rows, for pipeline and revenue
 * (the `value`), per currency: deals, deals touched, the share, amounts.
 */
export function attributionCsv(report: AttributionCsvInput): string {
  const header = [
    'from',
    'to',
    'model',
    'by',
    'row',
    'value',
    ...CAMPAIGN_HEADER,
    'currency',
    'pipeline',
    'pipelineDeals',
    'revenue',
    'revenueDeals',
    ...COST_HEADER,
    'deals',
    'touchedDeals',
    'share',
    'amount',
    'touchedAmount',
  ];
  const lead = (row: string, value: string): Cell[] => [report.period.from, report.period.to, report.model, report.by, row, value];
  const none = (n: number): Cell[] => Array.from({ length: n }, () => '');
  const credits = report.rows.flatMap((row) => {
    const currencies = sortedKeys([row.pipeline, row.revenue]);
    return (currencies.length === 0 ? [''] : currencies).map((cur) => [
      ...lead('credit', row.value),
      ...campaignCells(row.campaign),
      cur,
      cur === '' ? '' : (row.pipeline[cur] ?? 0),
      row.pipelineDeals,
      cur === '' ? '' : (row.revenue[cur] ?? 0),
      row.revenueDeals,
      ...costCells(row.cost),
      ...none(5),
    ]);
  });
  const shares = (['marketing-touched', 'sales-touched'] as const).flatMap((name) =>
    (['pipeline', 'revenue'] as const).flatMap((kind) => {
      const share = (name === 'marketing-touched' ? report.marketingTouched : report.salesTouched)[kind];
      const currencies = sortedKeys([share.amounts, share.touchedAmounts]);
      return (currencies.length === 0 ? [''] : currencies).map((cur) => [
        ...lead(name, kind),
        ...none(CAMPAIGN_HEADER.length),
        cur,
        ...none(4 + COST_HEADER.length),
        share.deals,
        share.touchedDeals,
        share.share,
        cur === '' ? '' : (share.amounts[cur] ?? 0),
        cur === '' ? '' : (share.touchedAmounts[cur] ?? 0),
      ]);
    }),
  );
  return csvTable(header, [...credits, ...shares]);
}

/**
 * Calibration: a row per score band (its edges) and per grade, with the
 * decisions and closed deals behind each rate; then a `threshold` row: the
 * band edge the data supports and what it rests on, or empty with the reason.
 */
export function calibrationCsv(report: CalibrationReport & { period: { from: string; to: string }; threshold: SupportedThreshold; target: number }): string {
  const header = ['from', 'to', 'row', 'value', 'bandFrom', 'bandTo', 'accepted', 'rejected', 'notAccepted', 'decisions', 'acceptanceRate', 'won', 'lost', 'closed', 'winRate', 'threshold', 'target', 'reason'];
  const lead = (row: string, value: string): Cell[] => [report.period.from, report.period.to, row, value];
  const counts = (r: CalibrationRow): Cell[] => [r.accepted, r.rejected, r.notAccepted, r.decisions, r.acceptanceRate, r.won, r.lost, r.closed, r.winRate];
  const t = report.threshold;
  return csvTable(header, [
    ...report.bands.map((band) => [...lead('band', band.label), band.from, band.to, ...counts(band), '', '', '']),
    ...report.grades.map((grade) => [...lead('grade', grade.grade), '', '', ...counts(grade), '', '', '']),
    t.threshold === null
      ? [...lead('threshold', ''), '', '', '', '', '', t.decisions, '', '', '', '', '', '', report.target, t.reason]
      : [...lead('threshold', t.band), t.threshold, '', t.accepted, '', '', t.decisions, t.acceptanceRate, '', '', '', '', t.threshold, report.target, ''],
  ]);
}

/** What the service-agreement CSV reads of the scorecard report (functions/reports/service-agreement.ts). */
export interface ServiceAgreementCsvInput {
  period: { kind: string; from: string; to: string };
  all: AgreementCard;
  teams: readonly { team: string; scorecard: AgreementCard }[];
  reps: readonly { rep: string; name?: string; team?: string; scorecard: AgreementCard }[];
  mqlTrend: readonly { from: string; to: string; mqls: number; target: number; met: boolean }[];
}
type AgreementCard = Scorecard & { contacts: { made: number; inTime: number; missed: number; missedAcceptances: number } };

/**
 * The service-agreement scorecard, long: a row per scope (all, each team,
 * each rep) and metric of the period (value, the period before's, the
 * change, its target and whether it was met, and what it is counted over:
 * decisions, ratings, hand-offs due, leads, durations); then a `trend` row
 * per period of the MQL trend.
 */
export function serviceAgreementCsv(report: ServiceAgreementCsvInput): string {
  const header = ['periodKind', 'from', 'to', 'scope', 'segment', 'name', 'team', 'metric', 'value', 'previous', 'delta', 'direction', 'better', 'target', 'met', 'over', 'overCount'];
  const metric = (m: ScorecardMetric, target?: CommittedMetric): Cell[] => [m.value, m.previous, m.delta, m.direction, m.better, target?.target, target?.met];
  const only = (value: number): Cell[] => [value, '', '', '', '', '', ''];
  const rowsOf = (scope: string, segment: string, name: string | undefined, team: string | undefined, card: AgreementCard): Cell[][] => {
    const lead: Cell[] = [report.period.kind, card.period.from, card.period.to, scope, segment, name, team];
    const { marketing: mk, sales } = card;
    const duration = (label: string, d: DurationMetrics): Cell[][] => [
      [...lead, `sales.${label}.medianHours`, ...metric(d.medianHours), d.counted, d.count],
      [...lead, `sales.${label}.p95Hours`, ...metric(d.p95Hours), d.counted, d.count],
      [...lead, `sales.${label}.withinHours`, ...only(d.withinHours), d.counted, ''],
    ];
    return [
      [...lead, 'marketing.mqls', ...metric(mk.mqls, mk.mqls), '', ''],
      [...lead, 'marketing.acceptanceRate', ...metric(mk.acceptanceRate, mk.acceptanceRate), 'decisions', mk.acceptanceRate.decisions],
      [...lead, 'marketing.averageRating', ...metric(mk.averageRating), 'ratings', mk.averageRating.ratings],
      ...Object.entries(mk.ratingDistribution).map(([rating, n]): Cell[] => [...lead, `marketing.rating.${rating}`, ...only(n), '', '']),
      [...lead, 'sales.acceptedWithinAgreement', ...metric(sales.acceptedWithinAgreement), 'due', sales.acceptedWithinAgreement.due],
      ...duration('timeToAccept', sales.timeToAccept),
      ...duration('timeToFirstContact', sales.timeToFirstContact),
      [...lead, 'sales.followUpActivitiesPerLead', ...metric(sales.followUpActivitiesPerLead, sales.followUpActivitiesPerLead), 'leads', sales.followUpActivitiesPerLead.leads],
      [...lead, 'sales.followUpMet', ...metric(sales.followUpMet), '', ''],
      [...lead, 'sales.feedbackCoverage', ...metric(sales.feedbackCoverage), 'handed', sales.feedbackCoverage.handed],
      [...lead, 'contacts.made', ...only(card.contacts.made), '', ''],
      [...lead, 'contacts.inTime', ...only(card.contacts.inTime), '', ''],
      [...lead, 'contacts.missed', ...only(card.contacts.missed), '', ''],
      [...lead, 'contacts.missedAcceptances', ...only(card.contacts.missedAcceptances), '', ''],
    ];
  };
  return csvTable(header, [
    ...rowsOf('all', 'all', undefined, undefined, report.all),
    ...report.teams.flatMap((t) => rowsOf('team', t.team, undefined, t.team, t.scorecard)),
    ...report.reps.flatMap((r) => rowsOf('rep', r.rep, r.name, r.team, r.scorecard)),
    ...report.mqlTrend.map((p): Cell[] => [report.period.kind, p.from, p.to, 'trend', 'all', '', '', 'marketing.mqls', p.mqls, '', '', '', '', p.target, p.met, '', '']),
  ]);
}

/** The stalled leads: one row per lead, longest in stage first, with the limit it passed and its owner. */
export function stalledCsv(report: Pick<StalledReport, 'at' | 'leads' | 'more'>): string {
  const header = ['at', 'leadId', 'name', 'company', 'email', 'stage', 'since', 'hoursInStage', 'limitHours', 'limitWorkingDays', 'limitFrom', 'teamId', 'repId'];
  return csvTable(
    header,
    report.leads.map((lead) => [
      report.at,
      lead.leadId,
      lead.name,
      lead.company,
      lead.email,
      lead.stage,
      lead.since,
      lead.hoursInStage,
      lead.limit.hours,
      lead.limit.workingDays,
      lead.limit.from,
      lead.owner?.teamId,
      lead.owner?.repId,
    ]),
  );
}

/**
 * Feedback: a `segment` row per segment (coverage, every rating, each
 * reason ticked: `reason.<occasion>.<id>`), then a `comment` row per latest
 * comment, newest first.
 */
export function feedbackCsv(report: Pick<FeedbackReport, 'period' | 'by' | 'segments' | 'comments'>): string {
  const reasons = [...new Set(report.segments.flatMap((s) => Object.entries(s.reasons).flatMap(([occasion, tallies]) => tallies.map((t) => `${occasion}.${t.id}`))))];
  const header = [
    'from',
    'to',
    'by',
    'row',
    'segment',
    'handed',
    'withFeedback',
    'coverage',
    'submissions',
    'averageRating',
    'rating1',
    'rating2',
    'rating3',
    'rating4',
    'rating5',
    ...reasons.map((r) => `reason.${r}`),
    'at',
    'leadId',
    'cycle',
    'occasion',
    'rating',
    'repId',
    'teamId',
    'comment',
  ];
  const lead = (row: string, segment: string): Cell[] => [report.period.from, report.period.to, report.by, row, segment];
  const segments = report.segments.map((s) => {
    const ticked = new Map<string, number>(Object.entries(s.reasons).flatMap(([occasion, tallies]) => tallies.map((t) => [`${occasion}.${t.id}`, t.count] as const)));
    return [
      ...lead('segment', s.segment),
      s.handed,
      s.withFeedback,
      s.coverage,
      s.submissions,
      s.averageRating,
      s.ratings['1'],
      s.ratings['2'],
      s.ratings['3'],
      s.ratings['4'],
      s.ratings['5'],
      ...reasons.map((r) => ticked.get(r) ?? 0),
      '', '', '', '', '', '', '', '',
    ];
  });
  const comments = report.comments.map((c) => [
    ...lead('comment', ''),
    ...Array.from({ length: 10 + reasons.length }, () => ''),
    c.at,
    c.leadId,
    c.cycle,
    c.occasion,
    c.rating,
    c.repId,
    c.teamId,
    c.comment,
  ]);
  return csvTable(header, [...segments, ...comments]);
}
