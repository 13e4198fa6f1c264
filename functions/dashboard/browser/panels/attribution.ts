import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import type { AttributionDimension, AttributionModel } from '../../../core/reports/attribution.ts';
import { el, table } from '../dom.ts';
import { count } from '../format.ts';
import {
  amountsText,
  attributionDimensionOptions,
  attributionLabel,
  attributionModelOptions,
  chartCurrency,
  costCells,
  isAttributionDimension,
  queryString,
  touchedText,
  unavailableText,
  type AttributionShown,
} from '../panel-format.ts';
import type { Ask, Panel, PanelQuery } from './panel.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const PATH = '/v1/reports/attribution';
const PRIMARY = '#2f5bd3';
const SECONDARY = '#7aa2f7';

/**
 * Pipeline and revenue credited under the attribution model chosen, per campaign (campaign type,
 * source or medium: its own select, which follows the page's slice when the slice is one of
 * them), as a chart in the main currency and a table in every currency; and the share of deals
 * marketing touched (and sales touched, and each campaign's cost, when the stack reports them).
 */
export class AttributionPanel implements Panel {
  readonly root: HTMLElement;
  private readonly ask: Ask;
  private readonly model = el('select', { id: 'attribution-model' }, ...attributionModelOptions.map(([value, label]) => el('option', { value }, label)));
  private readonly by = el('select', { id: 'attribution-by' }, ...attributionDimensionOptions.map(([value, label]) => el('option', { value }, label)));
  private readonly body = el('div', { id: 'attribution-body', 'aria-busy': 'true' });
  private chart: Chart<'bar', number[], string> | undefined;
  private query: PanelQuery | undefined;
  /** the request of the answer in hand: another segment of the same period and slice asks nothing */
  private shownPath: string | undefined;
  private asked = 0;

  constructor(ask: Ask) {
    this.ask = ask;
    this.model.value = 'linear';
    this.root = el(
      'section',
      { class: 'panel wide', id: 'attribution' },
      el('h2', {}, 'Attribution: pipeline and revenue credited by model'),
      el('div', { class: 'controls' }, el('label', {}, 'Model', this.model), el('label', {}, 'Credit by', this.by)),
      this.body,
    );
    for (const select of [this.model, this.by]) select.addEventListener('change', () => this.query && this.fetch(this.query));
  }

  load(query: PanelQuery): void {
    // the page's slice, when it is one credit rolls up by, is the panel's too
    if (query.by !== this.query?.by && isAttributionDimension(query.by)) this.by.value = query.by;
    this.query = query;
    this.fetch(query);
  }

  private fetch(query: PanelQuery): void {
    const params = { from: query.from, to: query.to, model: this.model.value as AttributionModel, by: this.by.value as AttributionDimension };
    const path = `${PATH}${queryString(params)}`;
    if (path !== this.shownPath) void this.show(path);
  }

  private async show(path: string): Promise<void> {
    const asked = ++this.asked;
    this.shownPath = path;
    this.body.setAttribute('aria-busy', 'true');
    const answer = await this.ask<AttributionShown>(path);
    if (asked !== this.asked) return;
    this.chart?.destroy();
    this.chart = undefined;
    if (answer.ok) this.render(answer.body);
    else this.shownPath = undefined;
    if (!answer.ok) this.body.replaceChildren(el('p', { class: 'muted', id: 'attribution-status' }, unavailableText('attribution report', PATH, answer)));
    this.body.setAttribute('aria-busy', 'false');
  }

  private render(report: AttributionShown): void {
    const byName = attributionDimensionOptions.find(([value]) => value === report.by)?.[1] ?? report.by;
    const withCost = report.rows.some((row) => row.cost !== undefined);
    const currency = chartCurrency(report.rows);
    const shares = [
      el('p', { id: 'marketing-touched' }, `Marketing touched ${touchedText(report.marketingTouched.pipeline, 'opportunities')} and ${touchedText(report.marketingTouched.revenue, 'won deals')}.`),
      ...(report.salesTouched
        ? [el('p', { id: 'sales-touched' }, `Sales touched ${touchedText(report.salesTouched.pipeline, 'opportunities')} and ${touchedText(report.salesTouched.revenue, 'won deals')}.`)]
        : []),
    ];
    if (report.rows.length === 0 || currency === undefined) {
      this.body.replaceChildren(...shares, el('p', { class: 'muted' }, 'No pipeline or revenue credited in this period.'));
      return;
    }
    const canvas = el('canvas', { id: 'attribution-chart', role: 'img', 'aria-label': `Pipeline and revenue in ${currency} per ${byName.toLowerCase()}` });
    this.body.replaceChildren(
      ...shares,
      el('p', { class: 'muted' }, `The chart shows amounts in ${currency}; the table every currency.`),
      el('div', { class: 'chart' }, canvas),
      table(
        [byName, ...(report.by === 'campaign' ? ['Type'] : []), 'Pipeline', 'Opportunities', 'Revenue', 'Won deals', ...(withCost ? ['Cost', 'Cost per MQL', 'Cost per opportunity', 'Return on revenue'] : [])],
        report.rows.map((row) => [
          attributionLabel(row),
          ...(report.by === 'campaign' ? [row.campaign?.type ?? '–'] : []),
          amountsText(row.pipeline),
          count(row.pipelineDeals),
          amountsText(row.revenue),
          count(row.revenueDeals),
          ...(withCost ? costCells(row.cost) : []),
        ]),
        (i) => ({ 'data-value': report.rows[i]!.value }),
      ),
    );
    this.chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: report.rows.map(attributionLabel),
        datasets: [
          { label: `Pipeline (${currency})`, data: report.rows.map((row) => row.pipeline[currency] ?? 0), backgroundColor: PRIMARY },
          { label: `Revenue (${currency})`, data: report.rows.map((row) => row.revenue[currency] ?? 0), backgroundColor: SECONDARY },
        ],
      },
      options: { indexAxis: 'y', responsive: true, maintainAspectRatio: false, scales: { x: { beginAtZero: true } } },
    });
    canvas.dataset['series'] = JSON.stringify({ labels: this.chart.data.labels, datasets: this.chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) });
  }

  destroy(): void {
    this.chart?.destroy();
    this.root.remove();
  }
}
