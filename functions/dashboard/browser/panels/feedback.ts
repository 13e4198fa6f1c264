import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { el, table } from '../dom.ts';
import { count, percent } from '../format.ts';
import { feedbackQuery, occasionLabel, ratingsSeries, unavailableText, type FeedbackShown } from '../panel-format.ts';
import type { Ask, Panel, PanelQuery } from './panel.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const PATH = '/v1/reports/feedback';
const PRIMARY = '#2f5bd3';
/** comments shown: the latest few, enough to read on a phone */
const COMMENTS_SHOWN = 10;
/** comments asked for: the report's are the whole period's, so a team's or rep's are picked from more */
const COMMENTS_ASKED = 50;

/**
 * Sales' feedback on the leads marketing handed over: the ratings 1 to 5 as a chart, coverage,
 * the reasons ticked, and the latest comments. It follows the period, and a team or rep chosen
 * in the page's slice. Comments are the reps' own words: put in the page as text, never HTML.
 */
export class FeedbackPanel implements Panel {
  readonly root: HTMLElement;
  private readonly ask: Ask;
  private readonly body = el('div', { id: 'feedback-body', 'aria-busy': 'true' });
  private chart: Chart<'bar', number[], string> | undefined;
  private asked = 0;

  constructor(ask: Ask) {
    this.ask = ask;
    this.root = el('section', { class: 'panel', id: 'feedback' }, el('h2', {}, 'Feedback from sales: ratings, reasons and the latest comments'), this.body);
  }

  load(query: PanelQuery): void {
    void this.fetch(query);
  }

  private async fetch(query: PanelQuery): Promise<void> {
    const asked = ++this.asked;
    this.body.setAttribute('aria-busy', 'true');
    const { path, segment } = feedbackQuery(PATH, query, COMMENTS_ASKED);
    const answer = await this.ask<FeedbackShown>(path);
    if (asked !== this.asked) return;
    this.chart?.destroy();
    this.chart = undefined;
    if (answer.ok) this.render(answer.body, segment);
    else this.body.replaceChildren(el('p', { class: 'muted', id: 'feedback-status' }, unavailableText('feedback report', PATH, answer)));
    this.body.setAttribute('aria-busy', 'false');
  }

  private render(report: FeedbackShown, segment: string): void {
    const shown = report.segments.find((s) => s.segment === segment);
    const comments = report.comments.filter((c) => segment === 'all' || (report.by === 'team' ? c.teamId === segment : c.repId === segment)).slice(0, COMMENTS_SHOWN);
    const commentList =
      comments.length === 0
        ? el('p', { class: 'muted' }, 'No comment in this period.')
        : el(
            'ul',
            { class: 'comments', id: 'feedback-comments' },
            ...comments.map((c) =>
              el(
                'li',
                { 'data-lead': c.leadId },
                el('span', { class: 'muted' }, `${c.at.slice(0, 10)} · ${'★'.repeat(c.rating)} (${c.rating}) · ${occasionLabel(c.occasion)} · ${c.repId}`),
                // the rep's words, as text
                el('q', {}, c.comment),
              ),
            ),
          );
    if (!shown) {
      this.body.replaceChildren(el('p', { class: 'muted', id: 'feedback-coverage' }, 'No hand-off decided and no feedback given in this period.'), el('h3', {}, 'Latest comments'), commentList);
      return;
    }
    const canvas = el('canvas', { id: 'feedback-chart', role: 'img', 'aria-label': 'Feedback submissions per rating, 1 to 5' });
    const reasons = Object.entries(shown.reasons).flatMap(([occasion, tallies]) => tallies.filter((t) => t.count > 0).map((t) => [occasionLabel(occasion), t.label, count(t.count)]));
    this.body.replaceChildren(
      el(
        'p',
        { id: 'feedback-coverage' },
        `Feedback on ${count(shown.withFeedback)} of ${count(shown.handed)} hand-offs (${percent(shown.coverage)}); ${count(shown.submissions)} given, average rating ${shown.averageRating === null ? '–' : shown.averageRating.toFixed(2)}.`,
      ),
      el('div', { class: 'chart small' }, canvas),
      el('h3', {}, 'Reasons ticked'),
      reasons.length === 0 ? el('p', { class: 'muted' }, 'No reason ticked in this period.') : el('div', { id: 'feedback-reasons' }, table(['On', 'Reason', 'Times'], reasons)),
      el('h3', {}, 'Latest comments'),
      commentList,
    );
    const series = ratingsSeries(shown.ratings);
    this.chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: series.labels, datasets: [{ label: 'Submissions', data: series.counts, backgroundColor: PRIMARY }] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    canvas.dataset['series'] = JSON.stringify({ labels: this.chart.data.labels, datasets: this.chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) });
  }

  destroy(): void {
    this.chart?.destroy();
    this.root.remove();
  }
}
