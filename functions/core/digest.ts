import type { Campaign, CampaignsConfig } from './campaigns.ts';
import { escapeHtml } from './html.ts';
import { oneLine } from './emails.ts';
import { ratings, type Rating } from './feedback.ts';
import type { SegmentFunnel } from './reports/period-funnel.ts';
import type { CommittedMetric, Scorecard, ScorecardMetric } from './reports/scorecard.ts';
import type { FeedbackConfig } from './feedback.ts';
import { addDays, dayIn, instantOf, wallClockAt } from './zoned-time.ts';

/**
 * The weekly digest: one email to marketing and sales leadership every week
 * (config/digest.json says who, when and in which zone), with last week's
 * scorecard against the agreement and the week before, the successes (won
 * deals and their campaigns), the obstacles (why leads were rejected or left,
 * stalled leads, missed first contacts), feedback highlights, the campaigns
 * starting soon, and a signed link to the dashboard. Pure: the week's numbers
 * in (gathered by functions/digest through the report use cases), subject,
 * text and HTML out. Everything that came from leads, reps or campaigns is
 * escaped in the HTML.
 */

// ---- which week ----

/** A week in the company's zone: Monday `from` (included) to the next Monday `to` (excluded), as days and as instants. */
export interface DigestWeek {
  /** YYYY-MM-DD, a Monday */
  from: string;
  /** YYYY-MM-DD, the Monday after (excluded) */
  to: string;
  timeZone: string;
  /** ISO instants of from and to at 00:00 in the zone */
  start: string;
  end: string;
}

function weekFrom(monday: string, timeZone: string): DigestWeek {
  const to = addDays(monday, 7);
  const at = (day: string) => {
    const [year, month, date] = day.split('-').map(Number) as [number, number, number];
    return instantOf({ year, month, day: date }, timeZone).toISOString();
  };
  return { from: monday, to, timeZone, start: at(monday), end: at(to) };
}

/**
 * The last whole week before an instant, in a zone: sent on Monday 08:00 (or
 * retried on Tuesday), it is the week that ended at the Monday's 00:00. The
 * schedule's time, not the moment the function ran, decides: a retry digests
 * the same week.
 */
export function lastWeekBefore(at: Date, timeZone: string): DigestWeek {
  const today = dayIn(at, timeZone);
  const sinceMonday = (wallClockAt(at, timeZone).weekday + 6) % 7;
  return weekFrom(addDays(today, -sinceMonday - 7), timeZone);
}

/** The week (Monday to Sunday, in the zone) a calendar day belongs to. */
export function weekOf(day: string, timeZone: string): DigestWeek {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const sinceMonday = (new Date(Date.UTC(year, month - 1, date)).getUTCDay() + 6) % 7;
  return weekFrom(addDays(day, -sinceMonday), timeZone);
}

export function weekBefore(week: DigestWeek): DigestWeek {
  return weekFrom(addDays(week.from, -7), week.timeZone);
}

/** The last day of a week (the report API's `to`, which is inclusive). */
export const lastDayOf = (week: Pick<DigestWeek, 'to'>): string => addDays(week.to, -1);

/** The campaigns whose start falls in [from, from + weeks), earliest first: what the teams should prepare for. */
export function campaignsStarting(config: CampaignsConfig, from: string, weeks: number): UpcomingCampaign[] {
  const until = addDays(from, weeks * 7);
  return config.campaigns
    .map((c) => ({ campaign: c, day: c.start.slice(0, 10) }))
    .filter(({ day }) => day >= from && day < until)
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
    .map(({ campaign, day }) => upcoming(campaign, day));
}

function upcoming(c: Campaign, day: string): UpcomingCampaign {
  return { id: c.id, name: c.name, type: c.type, owner: c.owner, start: day, ...(c.end !== undefined && { end: c.end.slice(0, 10) }) };
}

// ---- what the digest says ----

export interface UpcomingCampaign {
  id: string;
  name: string;
  type: string;
  owner: string;
  /** YYYY-MM-DD */
  start: string;
  end?: string;
}

/** A week's lead flow, from the funnel report (by=all). */
export interface WeekFlow {
  mqls: number;
  accepted: number;
  rejected: number;
  notAccepted: number;
  opportunities: number;
  won: number;
  lost: number;
}

export interface CampaignSuccess {
  /** the campaign's name as reported (a defined campaign's id, or an undefined one's UTM name) */
  campaign: string;
  won: number;
  /** per currency, in major units */
  revenue: Record<string, number>;
}

export interface ReasonCount {
  /** the reason's id, as counted */
  reason: string;
  /** how people read it (config/feedback.json's label), when known */
  label: string;
  count: number;
}

export interface LeftCount {
  stage: string;
  why: string;
  count: number;
}

/** A lead that has not moved for too long (GET /v1/reports/stalled). */
export interface StalledLead {
  lead: string;
  company?: string;
  stage: string;
  /** ISO instant since when it sits in the stage */
  since: string;
  owner?: string;
}

export interface FeedbackComment {
  /** ISO instant */
  at: string;
  rep?: string;
  lead?: string;
  rating?: number;
  comment: string;
}

export interface DigestInput {
  week: DigestWeek;
  previousWeek: DigestWeek;
  /** the lead flow of the week and of the week before */
  flow: { week: WeekFlow; previous: WeekFlow };
  /** the service-agreement scorecard of the week, with its trend against the week before. @default - the section says it is not available */
  scorecard?: Scorecard;
  successes: {
    won: number;
    revenue: Record<string, number>;
    /** the campaigns of the won deals, most won first */
    campaigns: CampaignSuccess[];
  };
  obstacles: {
    /** reasons reps ticked when rejecting, most first */
    rejectionReasons: ReasonCount[];
    /** where leads left the funnel and why, most first */
    left: LeftCount[];
    /** the leads stalled now, longest first (GET /v1/reports/stalled); `more` when there are more than shown. @default - not shown */
    stalled?: { leads: StalledLead[]; more: boolean };
    /** hand-offs without a first contact within the agreement. @default - not shown */
    missedFirstContacts?: number;
    /** hand-offs not accepted or rejected by their deadline. @default - not shown */
    missedAcceptances?: number;
  };
  feedback: {
    submissions: number;
    ratings: Record<Rating, number>;
    averageRating: number | null;
    /** hand-offs with feedback ÷ hand-offs decided, null when none was decided */
    coverage: number | null;
    /** @default - not shown */
    latestComments?: FeedbackComment[];
  };
  upcomingCampaigns: UpcomingCampaign[];
  dashboard: { url: string; expiresAt: Date };
}

export interface RenderedDigest {
  subject: string;
  text: string;
  html: string;
}

/** At most this many rows per list: a digest is read in a minute. */
export const DIGEST_TOP = 5;

// ---- formatting ----

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function dateText(day: string, withWeekday = false): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const weekday = dayNames[new Date(Date.UTC(year, month - 1, date)).getUTCDay()]!;
  return `${withWeekday ? `${weekday} ` : ''}${date} ${months[month - 1]} ${year}`;
}

/** "2 to 8 March 2026" */
export function weekText(week: Pick<DigestWeek, 'from' | 'to'>): string {
  const last = lastDayOf(week);
  const [fy, fm] = week.from.split('-');
  const [ly, lm] = last.split('-');
  const fromDay = Number(week.from.slice(8));
  if (fy === ly && fm === lm) return `${fromDay} to ${dateText(last)}`;
  if (fy === ly) return `${fromDay} ${months[Number(fm) - 1]} to ${dateText(last)}`;
  return `${dateText(week.from)} to ${dateText(last)}`;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const count = (n: number) => integer.format(n);

function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${integer.format(amount)} ${currency}`;
  }
}

function moneyList(amounts: Record<string, number>): string {
  const entries = Object.entries(amounts).filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? 'no revenue' : entries.map(([currency, amount]) => money(amount, currency)).join(' + ');
}

const percent = (share: number | null) => (share === null ? 'n/a' : `${Math.round(share * 1000) / 10}%`);
const hours = (h: number | null) => (h === null ? 'n/a' : `${Math.round(h * 10) / 10} h`);
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** "up 3 from 9", "down 0.1 from 4.2", "same as the week before", or "" when there is nothing to compare. */
function change(value: number | null, previous: number | null, format: (n: number) => string = count): string {
  if (value === null || previous === null) return '';
  if (value === previous) return 'same as the week before';
  const delta = Math.round(Math.abs(value - previous) * 1000) / 1000;
  return `${value > previous ? 'up' : 'down'} ${format(delta)} from ${format(previous)}`;
}

function trendText(metric: ScorecardMetric, format: (n: number | null) => string): string {
  if (metric.previous === null || metric.value === null) return '';
  if (metric.direction === 'flat') return 'same as the week before';
  const verdict = metric.better === null ? '' : metric.better ? ', better' : ', worse';
  return `${metric.direction} from ${format(metric.previous)}${verdict}`;
}

const metText = (metric: CommittedMetric) => (metric.met === null ? 'no data' : metric.met ? 'met' : 'missed');

// ---- the sections, as rows of text each email form shows its own way ----

interface Row {
  label: string;
  value: string;
  note?: string;
  /** whether the agreement was kept (green), missed (red), or neither */
  status?: 'met' | 'missed';
}

interface Section {
  id: string;
  title: string;
  intro?: string;
  rows: Row[];
  /** said when the section has no rows */
  empty?: string;
}

function scorecardSection(card: Scorecard | undefined): Section {
  if (!card) {
    return { id: 'scorecard', title: 'Service agreement', rows: [], empty: 'The service-agreement scorecard is not available for this week.' };
  }
  const m = card.marketing;
  const s = card.sales;
  const committed = (metric: CommittedMetric): Pick<Row, 'status'> => (metric.met === null ? {} : { status: metric.met ? 'met' : 'missed' });
  const withinShare = s.acceptedWithinAgreement.value;
  return {
    id: 'scorecard',
    title: 'Service agreement',
    intro: 'Each side against its commitment, and against the week before.',
    rows: [
      { label: 'Marketing: MQLs', value: `${count(m.mqls.value ?? 0)} of ${m.mqls.target} committed (${metText(m.mqls)})`, note: trendText(m.mqls, (n) => count(n ?? 0)), ...committed(m.mqls) },
      {
        label: 'Marketing: acceptance rate',
        value: `${percent(m.acceptanceRate.value)} of ${plural(m.acceptanceRate.decisions, 'decision')}, target ${percent(m.acceptanceRate.target)} (${metText(m.acceptanceRate)})`,
        note: trendText(m.acceptanceRate, percent),
        ...committed(m.acceptanceRate),
      },
      { label: 'Marketing: average rating', value: m.averageRating.value === null ? 'no ratings' : `${m.averageRating.value} of 5 (${plural(m.averageRating.ratings, 'rating')})`, note: trendText(m.averageRating, (n) => String(n)) },
      { label: 'Sales: accepted within the agreement', value: `${percent(withinShare)} of ${plural(s.acceptedWithinAgreement.due, 'hand-off')} due`, note: trendText(s.acceptedWithinAgreement, percent) },
      {
        label: 'Sales: time to accept',
        value: `median ${hours(s.timeToAccept.medianHours.value)}, 95th percentile ${hours(s.timeToAccept.p95Hours.value)} in working hours (agreement: ${s.timeToAccept.withinHours} h)`,
        note: trendText(s.timeToAccept.medianHours, hours),
      },
      {
        label: 'Sales: time to first contact',
        value: `median ${hours(s.timeToFirstContact.medianHours.value)}, 95th percentile ${hours(s.timeToFirstContact.p95Hours.value)} in working hours (agreement: ${s.timeToFirstContact.withinHours} h)`,
        note: trendText(s.timeToFirstContact.medianHours, hours),
      },
      {
        label: 'Sales: follow-up activities per lead',
        value: `${s.followUpActivitiesPerLead.value ?? 'n/a'} of ${s.followUpActivitiesPerLead.target} committed, ${plural(s.followUpActivitiesPerLead.leads, 'lead')} (${metText(s.followUpActivitiesPerLead)})`,
        note: trendText(s.followUpActivitiesPerLead, (n) => String(n ?? 'n/a')),
        ...committed(s.followUpActivitiesPerLead),
      },
      { label: 'Sales: feedback coverage', value: `${percent(s.feedbackCoverage.value)} of ${plural(s.feedbackCoverage.handed, 'hand-off')}`, note: trendText(s.feedbackCoverage, percent) },
    ],
  };
}

function flowSection(flow: DigestInput['flow']): Section {
  const { week, previous } = flow;
  return {
    id: 'flow',
    title: 'Lead flow',
    rows: [
      { label: 'MQLs handed to sales', value: count(week.mqls), note: change(week.mqls, previous.mqls) },
      { label: 'Accepted by sales', value: count(week.accepted), note: change(week.accepted, previous.accepted) },
      { label: 'Rejected by sales', value: count(week.rejected), note: change(week.rejected, previous.rejected) },
      { label: 'Not accepted in time', value: count(week.notAccepted), note: change(week.notAccepted, previous.notAccepted) },
      { label: 'Opportunities', value: count(week.opportunities), note: change(week.opportunities, previous.opportunities) },
    ],
  };
}

function successSection(input: DigestInput): Section {
  const { successes, flow } = input;
  return {
    id: 'successes',
    title: 'Successes',
    intro: `${plural(successes.won, 'deal')} won (${moneyList(successes.revenue)})${flow.previous.won === successes.won ? ', as many as the week before' : `; the week before: ${count(flow.previous.won)}`}.`,
    rows: successes.campaigns.slice(0, DIGEST_TOP).map((c) => ({ label: c.campaign, value: `${plural(c.won, 'deal')} won`, note: moneyList(c.revenue) })),
    empty: successes.won === 0 ? 'No deal was won this week.' : 'No campaign is credited with the won deals.',
  };
}

function obstacleSection(obstacles: DigestInput['obstacles']): Section {
  const rows: Row[] = [
    ...obstacles.rejectionReasons.slice(0, DIGEST_TOP).map((r) => ({ label: `Rejected: ${r.label}`, value: plural(r.count, 'lead') })),
    ...obstacles.left.slice(0, DIGEST_TOP).map((l) => ({ label: `Left ${l.stage}: ${l.why}`, value: plural(l.count, 'lead') })),
  ];
  if (obstacles.missedAcceptances !== undefined) rows.push({ label: 'Acceptance deadlines missed', value: count(obstacles.missedAcceptances), ...(obstacles.missedAcceptances > 0 && { status: 'missed' as const }) });
  if (obstacles.missedFirstContacts !== undefined) rows.push({ label: 'Hand-offs without a first contact in time', value: count(obstacles.missedFirstContacts), ...(obstacles.missedFirstContacts > 0 && { status: 'missed' as const }) });
  if (obstacles.stalled !== undefined) {
    const { leads, more } = obstacles.stalled;
    rows.push({ label: 'Stalled leads', value: more ? `more than ${count(leads.length)}` : count(leads.length), ...(leads.length > 0 && { status: 'missed' as const }) });
    for (const lead of leads.slice(0, DIGEST_TOP)) {
      rows.push({
        label: `Stalled: ${lead.lead}${lead.company ? ` (${lead.company})` : ''}`,
        value: `in ${lead.stage} since ${lead.since.slice(0, 10)}`,
        ...(lead.owner !== undefined && { note: `owner: ${lead.owner}` }),
      });
    }
  }
  return { id: 'obstacles', title: 'Obstacles', rows, empty: 'No lead was rejected or left the funnel this week.' };
}

function feedbackSection(feedback: DigestInput['feedback']): Section {
  const distribution = ratings.map((r) => `${r}★ ${count(feedback.ratings[r])}`).join(' · ');
  const rows: Row[] = [
    { label: 'Ratings', value: distribution, note: feedback.averageRating === null ? 'no ratings' : `average ${feedback.averageRating} of 5` },
    { label: 'Feedback given', value: plural(feedback.submissions, 'submission'), note: `coverage ${percent(feedback.coverage)} of decided hand-offs` },
  ];
  for (const c of (feedback.latestComments ?? []).slice(0, DIGEST_TOP)) {
    const who = [c.rep, c.lead].filter((part) => part !== undefined).join(' on ');
    rows.push({ label: `“${c.comment}”`, value: c.rating === undefined ? '' : `${c.rating}★`, note: `${who ? `${who}, ` : ''}${c.at.slice(0, 10)}` });
  }
  return { id: 'feedback', title: 'Feedback from sales', rows };
}

function campaignSection(input: DigestInput): Section {
  return {
    id: 'campaigns',
    title: 'Campaigns starting soon',
    rows: input.upcomingCampaigns.map((c) => ({ label: c.name, value: `starts ${dateText(c.start, true)}`, note: `${c.type}, ${c.owner}${c.end ? `, until ${dateText(c.end)}` : ''}` })),
    empty: 'No campaign starts in the coming weeks.',
  };
}

function sectionsOf(input: DigestInput): Section[] {
  return [scorecardSection(input.scorecard), flowSection(input.flow), successSection(input), obstacleSection(input.obstacles), feedbackSection(input.feedback), campaignSection(input)];
}

/** When the link stops working, as the email states it: "Tuesday 17 March 2026, 08:00 (Europe/Berlin)". */
export function linkExpiryText(expiresAt: Date, timeZone: string): string {
  const w = wallClockAt(expiresAt, timeZone);
  return `${dateText(dayIn(expiresAt, timeZone), true)}, ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')} (${timeZone})`;
}

// ---- the email ----

/** The reports count whole days in UTC: the digest asks them for the week's days (Monday to Sunday) and says so. */
const WEEK_NOTE = 'Monday to Sunday; the reports count whole days in UTC.';

export function renderDigest(input: DigestInput): RenderedDigest {
  const { week, flow, successes } = input;
  const sections = sectionsOf(input);
  const period = weekText(week);
  const subject = oneLine(`LeadLoop weekly digest, ${period}: ${plural(flow.week.mqls, 'MQL')}, ${plural(successes.won, 'deal')} won`);
  const expiry = linkExpiryText(input.dashboard.expiresAt, week.timeZone);
  const linkNote = `This link opens the dashboard without a sign-in, read-only, until ${expiry}. Do not forward it.`;

  const textRow = (row: Row) => `  - ${row.label}: ${row.value}${row.status ? ` [${row.status}]` : ''}${row.note ? ` (${row.note})` : ''}`;
  const text = [
    `LeadLoop weekly digest: ${period} (${week.timeZone})`,
    WEEK_NOTE,
    '',
    ...sections.flatMap((section) => [
      section.title.toUpperCase(),
      ...(section.intro ? [section.intro] : []),
      ...(section.rows.length > 0 ? section.rows.map(textRow) : [section.empty ?? '']),
      '',
    ]),
    `Dashboard: ${input.dashboard.url}`,
    linkNote,
  ].join('\n');

  const color = (status: Row['status']) => (status === 'met' ? '#067647' : status === 'missed' ? '#b42318' : 'inherit');
  const htmlRow = (row: Row) =>
    `<tr><th align="left" style="padding:4px 12px 4px 0;font-weight:normal">${escapeHtml(row.label)}</th><td style="padding:4px 12px 4px 0;color:${color(row.status)}"><strong>${escapeHtml(row.value)}</strong></td><td style="padding:4px 0;color:#5b6474">${escapeHtml(row.note ?? '')}</td></tr>`;
  const htmlSection = (section: Section) =>
    `<h2 id="${section.id}" style="font-size:17px;margin:24px 0 8px">${escapeHtml(section.title)}</h2>` +
    (section.intro ? `<p>${escapeHtml(section.intro)}</p>` : '') +
    (section.rows.length > 0 ? `<table cellspacing="0" cellpadding="0">${section.rows.map(htmlRow).join('')}</table>` : `<p style="color:#5b6474">${escapeHtml(section.empty ?? '')}</p>`);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:sans-serif;color:#1d2433;max-width:44em">
<h1 style="font-size:20px">LeadLoop weekly digest: ${escapeHtml(period)}</h1>
<p style="color:#5b6474">${escapeHtml(WEEK_NOTE)}</p>
${sections.map(htmlSection).join('\n')}
<p style="margin-top:24px"><a href="${escapeHtml(input.dashboard.url)}">Open the dashboard</a></p>
<p style="color:#5b6474;font-size:13px">${escapeHtml(linkNote)}</p>
</body></html>`;
  return { subject, text, html };
}

// ---- the week's numbers, from the funnel report's segments ----

const EMPTY_FLOW: WeekFlow = { mqls: 0, accepted: 0, rejected: 0, notAccepted: 0, opportunities: 0, won: 0, lost: 0 };

/** The week's lead flow from the funnel's whole segment (by=all); none (no lead counted) is all zeros. */
export function weekFlowOf(all: SegmentFunnel | undefined): WeekFlow {
  if (!all) return EMPTY_FLOW;
  const reached = (stage: string) => all.stages.find((s) => s.stage === stage)?.reached ?? 0;
  return {
    mqls: reached('mql'),
    accepted: all.decisions.accepted,
    rejected: all.decisions.rejected,
    notAccepted: all.decisions.notAccepted,
    opportunities: all.deals.opportunities,
    won: all.deals.won,
    lost: all.deals.lost,
  };
}

/** Won deals and revenue per currency, and the campaigns that won them (the funnel by=campaign), most won first. */
export function successesOf(all: SegmentFunnel | undefined, byCampaign: readonly SegmentFunnel[]): DigestInput['successes'] {
  const campaigns = byCampaign
    .filter((s) => s.deals.won > 0)
    .map((s) => ({ campaign: s.segment, won: s.deals.won, revenue: { ...s.deals.revenue } }))
    .sort((a, b) => b.won - a.won || (a.campaign < b.campaign ? -1 : a.campaign > b.campaign ? 1 : 0));
  return { won: all?.deals.won ?? 0, revenue: { ...(all?.deals.revenue ?? {}) }, campaigns };
}

const byCount = <T extends { count: number }>(a: T, b: T, name: (t: T) => string) => b.count - a.count || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);

/**
 * Why leads did not go on: the reasons reps ticked when rejecting
 * (`reason.rejected.<reason>`, labelled from config/feedback.json) and where
 * leads left the funnel (`left.<stage>.<why>`), most first.
 */
export function obstaclesOf(all: SegmentFunnel | undefined, feedback: FeedbackConfig): Pick<DigestInput['obstacles'], 'rejectionReasons' | 'left'> {
  if (!all) return { rejectionReasons: [], left: [] };
  const labels = new Map(feedback.reasons.rejected.map((r) => [r.id, r.label]));
  const rejectionReasons = Object.entries(all.feedback.reasons.rejected ?? {})
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => ({ reason, label: labels.get(reason) ?? reason, count: n }))
    .sort((a, b) => byCount(a, b, (r) => r.reason));
  const left = all.stages
    .flatMap((s) => Object.entries(s.left).map(([why, n]) => ({ stage: s.stage, why, count: n })))
    .filter((l) => l.count > 0)
    .sort((a, b) => byCount(a, b, (l) => `${l.stage}.${l.why}`));
  return { rejectionReasons, left };
}

/** The feedback of the week: every rating 1 to 5, the average, coverage. */
export function feedbackOf(all: SegmentFunnel | undefined): Omit<DigestInput['feedback'], 'latestComments'> {
  if (!all) return { submissions: 0, ratings: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, averageRating: null, coverage: null };
  const f = all.feedback;
  return { submissions: f.submissions, ratings: { 1: f.ratings['1'], 2: f.ratings['2'], 3: f.ratings['3'], 4: f.ratings['4'], 5: f.ratings['5'] }, averageRating: f.averageRating, coverage: f.coverage };
}
