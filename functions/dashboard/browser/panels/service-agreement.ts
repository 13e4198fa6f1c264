import type { CommittedMetric, DurationMetrics, ScorecardMetric } from '../../../core/reports/scorecard.ts';
import type { ServiceAgreementReport } from '../../../reports/service-agreement.ts';
import { el, table } from '../dom.ts';
import { count, duration } from '../format.ts';
import {
  agreementPeriodKinds,
  agreementPeriodText,
  metricText,
  queryString,
  ratingsText,
  repLabel,
  scorecardCells,
  scorecardColumns,
  targetText,
  trendClass,
  trendText,
  unavailableText,
  type AgreementPeriodKind,
  type MetricKind,
} from '../panel-format.ts';
import { MqlTrendPanel } from './mql-trend.ts';
import type { Ask, Panel, PanelQuery } from './panel.ts';

const PATH = '/v1/reports/service-agreement';

/** A number of the scorecard as a tile: its value, what it is, the target and whether it was met, and its trend in words. */
function metricTile(name: string, label: string, metric: ScorecardMetric, kind: MetricKind, ...notes: string[]): HTMLElement {
  const committed = 'target' in metric ? (metric as CommittedMetric) : undefined;
  return el(
    'div',
    { class: 'tile', 'data-tile': name },
    el('span', { class: 'value' }, metricText(metric.value, kind)),
    el('span', { class: 'label' }, label),
    ...(committed ? [el('span', { class: `target ${committed.met === null ? '' : committed.met ? 'met' : 'missed'}`.trim() }, targetText(committed, kind))] : []),
    ...notes.map((note) => el('span', { class: 'note' }, note)),
    el('span', { class: `trend ${trendClass(metric)}` }, trendText(metric, kind)),
  );
}

const durationTiles = (name: string, label: string, metrics: DurationMetrics) => [
  metricTile(`${name}-median`, `${label}, median`, metrics.medianHours, 'hours', `Agreed: within ${duration(metrics.withinHours)} · ${count(metrics.count)} counted`),
  metricTile(`${name}-p95`, `${label}, 95th percentile`, metrics.p95Hours, 'hours'),
];

/**
 * The service-agreement scorecard: marketing's side and sales' side as tiles (value, target,
 * met or not, trend against the period before), a table per team and per rep, and a week or
 * month control; the period is the week or month holding the end of the page's date range.
 * It owns the MQL trend panel, drawn from the same answer.
 */
export class ServiceAgreementPanel implements Panel {
  readonly root: HTMLElement;
  readonly trend = new MqlTrendPanel();
  private readonly ask: Ask;
  private readonly kind = el('select', { id: 'agreement-period' }, ...agreementPeriodKinds.map(([value, label]) => el('option', { value }, label)));
  private readonly heading = el('p', { class: 'muted', id: 'agreement-heading' });
  private readonly body = el('div', { id: 'agreement-body', 'aria-busy': 'true' });
  private query: PanelQuery | undefined;
  /** the request of the answer in hand: a new segment of the same period only marks its row again */
  private shown: { path: string; report: ServiceAgreementReport } | undefined;
  private asked = 0;

  constructor(ask: Ask) {
    this.ask = ask;
    this.root = el(
      'section',
      { class: 'panel wide', id: 'service-agreement' },
      el('h2', {}, 'Service agreement: each side against its commitments'),
      el('div', { class: 'controls' }, el('label', {}, 'Period', this.kind)),
      this.heading,
      this.body,
    );
    this.kind.addEventListener('change', () => this.query && this.load(this.query));
  }

  load(query: PanelQuery): void {
    this.query = query;
    const path = `${PATH}${queryString({ period: this.kind.value as AgreementPeriodKind, from: query.to })}`;
    if (this.shown?.path === path) {
      ++this.asked;
      this.render(this.shown.report, query);
      return;
    }
    void this.fetch(path, query);
  }

  private async fetch(path: string, query: PanelQuery): Promise<void> {
    const asked = ++this.asked;
    this.body.setAttribute('aria-busy', 'true');
    const answer = await this.ask<ServiceAgreementReport>(path);
    if (asked !== this.asked) return;
    this.shown = answer.ok ? { path, report: answer.body } : undefined;
    if (!answer.ok) {
      const text = unavailableText('service-agreement report', PATH, answer);
      this.heading.textContent = '';
      this.body.replaceChildren(el('p', { class: 'muted', id: 'agreement-status' }, text));
      this.trend.show(undefined, text);
    } else {
      this.render(answer.body, query);
      this.trend.show(answer.body);
    }
    this.body.setAttribute('aria-busy', 'false');
  }

  private render(report: ServiceAgreementReport, query: PanelQuery): void {
    const { marketing, sales } = report.all;
    const { contacts } = report.all;
    this.heading.textContent = agreementPeriodText(report);
    const chosen = (by: 'team' | 'rep', value: string): Record<string, string> => (query.by === by && query.segment === value ? { 'aria-current': 'true', class: 'chosen' } : {});
    this.body.replaceChildren(
      el(
        'div',
        { class: 'sides' },
        el(
          'div',
          { class: 'side', id: 'agreement-marketing' },
          el('h3', {}, 'Marketing'),
          el(
            'div',
            { class: 'tiles' },
            metricTile('mqls', 'MQLs handed to sales', marketing.mqls, 'count'),
            metricTile('acceptance-rate', 'Acceptance rate', marketing.acceptanceRate, 'rate', `Of ${count(marketing.acceptanceRate.decisions)} decisions`),
            metricTile('average-rating', 'Average rating (1–5)', marketing.averageRating, 'average', `Of ${count(marketing.averageRating.ratings)} ratings`),
            el('div', { class: 'tile', 'data-tile': 'rating-distribution' }, el('span', { class: 'label' }, 'Ratings'), el('span', { class: 'note' }, ratingsText(marketing.ratingDistribution))),
          ),
        ),
        el(
          'div',
          { class: 'side', id: 'agreement-sales' },
          el('h3', {}, 'Sales'),
          el(
            'div',
            { class: 'tiles' },
            metricTile('accepted-within', 'Accepted within the agreement', sales.acceptedWithinAgreement, 'rate', `Of ${count(sales.acceptedWithinAgreement.due)} due`),
            ...durationTiles('time-to-accept', 'Time to accept (working hours)', sales.timeToAccept),
            ...durationTiles('time-to-first-contact', 'Time to first contact (working hours)', sales.timeToFirstContact),
            metricTile('follow-up', 'Follow-up activities per lead', sales.followUpActivitiesPerLead, 'average', `Of ${count(sales.followUpActivitiesPerLead.leads)} leads`),
            metricTile('follow-up-met', 'Leads followed up as agreed', sales.followUpMet, 'rate'),
            metricTile('feedback-coverage', 'Feedback coverage', sales.feedbackCoverage, 'rate', `Of ${count(sales.feedbackCoverage.handed)} hand-offs`),
          ),
          el(
            'p',
            { class: 'muted', id: 'agreement-contacts' },
            `First contacts: ${count(contacts.made)} made, ${count(contacts.inTime)} in time, ${count(contacts.missed)} missed; acceptance deadlines missed: ${count(contacts.missedAcceptances)}.`,
          ),
        ),
      ),
      el('h3', {}, 'Per team'),
      report.teams.length === 0
        ? el('p', { class: 'muted' }, 'No team counted in this period.')
        : el('div', { id: 'agreement-teams' }, table(['Team', ...scorecardColumns], report.teams.map((t) => [t.team, ...scorecardCells(t.scorecard)]), (i) => ({ 'data-team': report.teams[i]!.team, ...chosen('team', report.teams[i]!.team) }))),
      el('h3', {}, 'Per rep'),
      report.reps.length === 0
        ? el('p', { class: 'muted' }, 'No rep counted in this period.')
        : el(
            'div',
            { id: 'agreement-reps' },
            table(
              ['Rep', 'Team', ...scorecardColumns],
              report.reps.map((r) => [repLabel(r), r.team ?? '–', ...scorecardCells(r.scorecard)]),
              (i) => ({ 'data-rep': report.reps[i]!.rep, ...chosen('rep', report.reps[i]!.rep) }),
            ),
          ),
    );
  }

  destroy(): void {
    this.trend.destroy();
    this.root.remove();
  }
}
