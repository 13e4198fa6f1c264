import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { ServiceAgreementReport } from '../../../reports/service-agreement.ts';
import { el, table } from '../dom.ts';
import { count } from '../format.ts';
import { mqlTrendSeries } from '../panel-format.ts';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const PRIMARY = '#2f5bd3';
const TARGET = '#b42318';

/**
 * MQLs per week or month against marketing's commitment: bars of MQLs, the committed number as
 * a line, and the same numbers in a table under it. Shown from the service-agreement report's
 * `mqlTrend` (the service-agreement panel asks once for both).
 */
export class MqlTrendPanel {
  readonly root: HTMLElement;
  private readonly canvas = el('canvas', { id: 'mql-trend-chart', role: 'img', 'aria-label': 'MQLs per period against the committed number' });
  private readonly body = el('div', { id: 'mql-trend-table' });
  private readonly note = el('p', { class: 'muted', id: 'mql-trend-note' });
  private readonly chart: Chart<'bar' | 'line', number[], string>;

  constructor() {
    this.root = el('section', { class: 'panel', id: 'mql-trend' }, el('h2', {}, 'MQLs against the commitment'), this.note, el('div', { class: 'chart' }, this.canvas), this.body);
    this.chart = new Chart(this.canvas, {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { type: 'bar', label: 'MQLs', data: [], backgroundColor: PRIMARY, order: 2 },
          { type: 'line', label: 'Committed', data: [], borderColor: TARGET, backgroundColor: TARGET, borderDash: [6, 4], pointRadius: 3, order: 1 },
        ],
      },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  show(report: ServiceAgreementReport | undefined, unavailable?: string): void {
    const trend = report?.mqlTrend ?? [];
    const series = mqlTrendSeries(trend);
    this.chart.data.labels = series.labels;
    this.chart.data.datasets[0]!.data = series.mqls;
    this.chart.data.datasets[1]!.data = series.targets;
    this.chart.update();
    // what the chart holds, for tools that read the page (and its tests)
    this.canvas.dataset['series'] = JSON.stringify({ labels: this.chart.data.labels, datasets: this.chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) });
    if (!report) {
      this.note.textContent = unavailable ?? '';
      this.body.replaceChildren();
      return;
    }
    this.note.textContent = `${report.period.kind === 'week' ? 'Weeks' : 'Months'} up to the one shown in the scorecard; the line is the committed number (${count(report.agreement.marketing.mqlsPerWeek)} a week, scaled to the days counted).`;
    this.body.replaceChildren(
      table(
        ['From', 'MQLs', 'Committed', 'Kept'],
        trend.map((p, i) => [series.labels[i]!, count(p.mqls), count(p.target), p.met ? 'yes' : 'no']),
        (i) => ({ 'data-from': series.labels[i]! }),
      ),
    );
  }

  destroy(): void {
    this.chart.destroy();
  }
}
