import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration } from 'chart.js';
import type { CalibrationOfPeriod } from '../../reports/calibration.ts';
import type { FunnelOfPeriod } from '../../reports/funnel.ts';
import {
  apiErrorText,
  count,
  currencyRows,
  deadlineShare,
  duration,
  funnelSteps,
  leftRows,
  money,
  percent,
  reasonLabel,
  reportQuery,
  segmentLabel,
  sliceOptions,
  stageLabel,
  thresholdText,
  type Segment,
  type Slice,
} from './format.ts';
import { el, table, tile } from './dom.ts';
// only the traits the funnel keeps counts for (names and bands, nothing secret): the page offers those as slices
import reportsConfig from '../../../config/reports.json' with { type: 'json' };
import { AttributionPanel } from './panels/attribution.ts';
import { FeedbackPanel } from './panels/feedback.ts';
import type { Panel, PanelQuery } from './panels/panel.ts';
import { ServiceAgreementPanel } from './panels/service-agreement.ts';
import { StalledPanel } from './panels/stalled.ts';

/**
 * The dashboard in the browser (served as GET /dashboard/app.js, built by esbuild with Chart.js):
 * sign-in with a server key kept in sessionStorage, then the report API's answers as charts and
 * tables. Every value from the API is put in the page as text (textContent, option text, canvas
 * labels): segment names come from UTM values and traits that anyone can send.
 */

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
if (matchMedia('(prefers-reduced-motion: reduce)').matches) Chart.defaults.animation = false;

/**
 * Where the credential is kept: this tab's session only, never a cookie, localStorage or the
 * address. It is a server key, or the token of a dashboard link from the weekly digest (read-only,
 * expiring: the report API checks it); both travel the same way, as the Authorization header.
 */
const KEY_ITEM = 'leadloop.serverKey';

/**
 * The token of a dashboard link (`/dashboard#link=<token>`), taken out of the address at once so it
 * is not left in the history, a bookmark or a shared screen. It came in the fragment, which
 * browsers never send to a server, so it is in no request line or server log either.
 */
function linkFromAddress(): string | undefined {
  const match = /^#(?:.*&)?link=([^&]*)/.exec(location.hash);
  if (!match) return undefined;
  history.replaceState(history.state, '', location.pathname + location.search);
  const token = decodeURIComponent(match[1]!).trim();
  return token === '' ? undefined : token;
}

// ---- the API: same origin, the key as a header ----

type Answer<T> = { ok: true; body: T } | { ok: false; status: number; message: string };

async function api<T>(path: string, key: string): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
  } catch {
    return { ok: false, status: 0, message: 'The API could not be reached; check the connection and try again.' };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) return { ok: false, status: response.status, message: apiErrorText(response.status, body) };
  return { ok: true, body: body as T };
}

const refusesKey = (status: number) => status === 401 || status === 403;

// ---- sign-in ----

const form = document.getElementById('sign-in') as HTMLFormElement;
const keyInput = document.getElementById('server-key') as HTMLInputElement;
const signInError = document.getElementById('sign-in-error') as HTMLElement;
const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;
const main = document.getElementById('main') as HTMLElement;
let view: DashboardView | undefined;

function showSignIn(message?: string): void {
  sessionStorage.removeItem(KEY_ITEM);
  view?.destroy();
  view = undefined;
  signOutButton.hidden = true;
  signInError.textContent = message ?? '';
  signInError.hidden = message === undefined;
  form.hidden = false;
  keyInput.value = '';
  keyInput.focus();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (key === '') return;
  void open(key);
});

signOutButton.addEventListener('click', () => showSignIn());

/** Opens the dashboard with a key: its first report answer says whether the key may read reports. */
async function open(key: string): Promise<void> {
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  const first = await api<FunnelOfPeriod>(`/v1/reports/funnel${reportQuery({ by: 'all' })}`, key);
  if (button) button.disabled = false;
  // a wrong key (401), a key that may not read reports (403), or no answer: the form again, with why
  if (!first.ok) return showSignIn(first.message);
  sessionStorage.setItem(KEY_ITEM, key);
  form.hidden = true;
  signInError.hidden = true;
  signOutButton.hidden = false;
  view = new DashboardView(key);
  main.append(view.root);
  view.show(first.body);
}

// ---- the dashboard ----

const PRIMARY = '#2f5bd3';
/** The slices offered: the dimensions, campaign type and the traits config/reports.json keeps (the stack the page ships with). */
const sliceChoices = sliceOptions(reportsConfig.traits);
const sliceLabelOf = (by: string) => sliceChoices.find(([value]) => value === by)?.[1] ?? by;
const SECONDARY = '#7aa2f7';

class DashboardView {
  readonly root: HTMLElement;
  private readonly key: string;
  private readonly from = el('input', { id: 'from', type: 'date', required: '' });
  private readonly to = el('input', { id: 'to', type: 'date', required: '' });
  private readonly by = el('select', { id: 'by' }, ...sliceChoices.map(([value, label]) => el('option', { value }, label)));
  private readonly segment = el('select', { id: 'segment' });
  private readonly status = el('p', { id: 'status', class: 'error', role: 'alert', hidden: '' });
  private readonly heading = el('p', { id: 'period', class: 'muted' });
  private readonly funnelTable = el('div', { id: 'funnel-table' });
  private readonly segmentsPanel = el('section', { class: 'panel wide', id: 'segments', hidden: '' });
  private readonly left = el('div', { id: 'left' });
  private readonly decisions = el('div', { id: 'decisions' });
  private readonly deals = el('div', { id: 'deals' });
  private readonly now = el('div', { id: 'now' });
  private readonly calibration = el('div', { id: 'calibration-body' });
  private readonly charts: Chart[] = [];
  private readonly agreement: ServiceAgreementPanel;
  private readonly attribution: AttributionPanel;
  private readonly feedback: FeedbackPanel;
  private readonly stalled: StalledPanel;
  /** the panels built in their own modules (./panels/): each asks the report API for the page's period and slice */
  private readonly panels: Panel[];
  private readonly funnelChart: Chart<'bar', (number | null)[], string>;
  private readonly timeChart: Chart<'bar', (number | null)[], string>;
  private calibrationChart: Chart<'bar', (number | null)[], string> | undefined;
  private report: FunnelOfPeriod | undefined;
  /** answers to an older request are dropped: the newest question wins */
  private asked = 0;

  constructor(key: string) {
    this.key = key;
    const ask = <T>(path: string) => api<T>(path, this.key);
    this.agreement = new ServiceAgreementPanel(ask);
    this.attribution = new AttributionPanel(ask);
    this.feedback = new FeedbackPanel(ask);
    this.stalled = new StalledPanel(ask);
    this.panels = [this.agreement, this.attribution, this.feedback, this.stalled];
    const funnelCanvas = el('canvas', { id: 'funnel-chart', role: 'img', 'aria-label': 'Leads that reached each stage' });
    const timeCanvas = el('canvas', { id: 'time-chart', role: 'img', 'aria-label': 'Time spent in each stage, median and 90th percentile, in hours' });
    this.root = el(
      'div',
      { id: 'dashboard', 'aria-busy': 'true' },
      el(
        'div',
        { class: 'controls' },
        el('label', {}, 'From', this.from),
        el('label', {}, 'To', this.to),
        el('label', {}, 'Slice by', this.by),
        el('label', {}, 'Segment', this.segment),
      ),
      this.status,
      this.heading,
      el(
        'div',
        { class: 'panels' },
        el('section', { class: 'panel wide', id: 'funnel' }, el('h2', {}, 'Funnel: leads reaching each stage, and conversion'), el('div', { class: 'chart' }, funnelCanvas), this.funnelTable),
        this.agreement.root,
        this.agreement.trend.root,
        el('section', { class: 'panel', id: 'time' }, el('h2', {}, 'Time in stage (hours)'), el('p', { class: 'muted' }, 'Of the leads that left each stage in the period.'), el('div', { class: 'chart' }, timeCanvas)),
        el('section', { class: 'panel', id: 'left-panel' }, el('h2', {}, 'Where leads left, and why'), this.left),
        el('section', { class: 'panel', id: 'decisions-panel' }, el('h2', {}, 'Hand-off decisions'), this.decisions),
        el('section', { class: 'panel', id: 'deals-panel' }, el('h2', {}, 'Pipeline and revenue'), this.deals),
        this.segmentsPanel,
        el('section', { class: 'panel', id: 'now-panel' }, el('h2', {}, 'In each stage now (all time)'), this.now),
        this.attribution.root,
        this.feedback.root,
        this.stalled.root,
        el('section', { class: 'panel wide', id: 'calibration' }, el('h2', {}, 'Calibration: acceptance and win rate by score band and grade'), this.calibration),
      ),
    );
    this.funnelChart = new Chart(funnelCanvas, this.barChart([{ label: 'Leads that reached the stage', data: [], backgroundColor: PRIMARY }], 'y', true));
    this.timeChart = new Chart(
      timeCanvas,
      this.barChart([
        { label: 'Median', data: [], backgroundColor: PRIMARY },
        { label: '90th percentile', data: [], backgroundColor: SECONDARY },
      ]),
    );
    this.charts.push(this.funnelChart, this.timeChart);
    for (const input of [this.from, this.to, this.by]) input.addEventListener('change', () => void this.load());
    this.segment.addEventListener('change', () => {
      this.render();
      this.loadPanels();
    });
  }

  /** A bar chart; `counts` draws whole numbers only on the value axis (leads, not 0.5 of one). */
  private barChart(datasets: { label: string; data: (number | null)[]; backgroundColor: string }[], indexAxis: 'x' | 'y' = 'x', counts = false): ChartConfiguration<'bar', (number | null)[], string> {
    const valueAxis = { beginAtZero: true, ...(counts && { ticks: { precision: 0 } }) };
    return {
      type: 'bar',
      data: { labels: [], datasets },
      options: { indexAxis, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: datasets.length > 1 } }, scales: { [indexAxis === 'y' ? 'x' : 'y']: valueAxis } },
    };
  }

  destroy(): void {
    for (const chart of this.charts) chart.destroy();
    this.calibrationChart?.destroy();
    for (const panel of this.panels) panel.destroy();
    this.root.remove();
  }

  /** Asks the report API for the period and slice the controls say, and shows the answer. */
  async load(): Promise<void> {
    const asked = ++this.asked;
    this.root.setAttribute('aria-busy', 'true');
    const query = { from: this.from.value || undefined, to: this.to.value || undefined, by: this.by.value as Slice };
    const answer = await api<FunnelOfPeriod>(`/v1/reports/funnel${reportQuery(query)}`, this.key);
    if (asked !== this.asked) return;
    if (!answer.ok) {
      if (refusesKey(answer.status)) return showSignIn(answer.message);
      this.status.textContent = answer.message;
      this.status.hidden = false;
      this.root.setAttribute('aria-busy', 'false');
      return;
    }
    this.show(answer.body);
  }

  /** Shows a funnel answer, then fetches the calibration of the same period. */
  show(report: FunnelOfPeriod): void {
    const asked = this.asked;
    this.report = report;
    this.status.hidden = true;
    this.from.value = report.period.from;
    this.to.value = report.period.to;
    this.by.value = report.by;
    const kept = this.segment.value;
    this.segment.replaceChildren(...report.segments.map((s) => el('option', { value: s.segment }, segmentLabel(s, report.by))));
    if (report.segments.some((s) => s.segment === kept)) this.segment.value = kept;
    this.segment.disabled = report.segments.length < 2;
    this.render();
    void this.loadCalibration(report.period, asked);
    this.loadPanels();
  }

  /** The panels follow the period and the slice (and its segment) of the funnel in hand. */
  private loadPanels(): void {
    const report = this.report;
    if (!report) return;
    const query: PanelQuery = { from: report.period.from, to: report.period.to, by: report.by, segment: report.by === 'all' ? undefined : this.segment.value || undefined };
    for (const panel of this.panels) panel.load(query);
  }

  /** Draws the chosen segment of the report in hand. */
  private render(): void {
    const report = this.report;
    if (!report) return;
    const chosen = report.segments.find((s) => s.segment === this.segment.value) ?? report.segments[0];
    const sliceName = sliceLabelOf(report.by);
    this.heading.textContent = `${report.period.from} to ${report.period.to} (${count(report.period.days)} days, UTC) · ${sliceName}${chosen && report.by !== 'all' ? `: ${segmentLabel(chosen, report.by)}` : ''}`;
    this.renderSegments(report);
    this.renderNow(report);
    if (!chosen) {
      for (const target of [this.funnelTable, this.left, this.decisions, this.deals]) target.replaceChildren(el('p', { class: 'muted' }, 'No lead counted in this period.'));
      this.updateCharts(undefined);
      this.root.setAttribute('aria-busy', 'false');
      return;
    }
    this.funnelTable.replaceChildren(
      table(
        ['Stage', 'Reached', 'Conversion from previous', 'Median time in stage', '90th percentile', 'Left'],
        chosen.stages.map((row) => [
          stageLabel(row.stage),
          count(row.reached),
          percent(row.conversionFromPrevious),
          duration(row.timeInStage?.medianHours),
          duration(row.timeInStage?.p90Hours),
          count(Object.values(row.left).reduce((sum, n) => sum + n, 0)),
        ]),
        (i) => ({ 'data-stage': chosen.stages[i]!.stage }),
      ),
    );
    const left = leftRows(chosen.stages);
    this.left.replaceChildren(
      left.length === 0
        ? el('p', { class: 'muted' }, 'No lead left a stage in this period.')
        : table(['Stage left', 'Why', 'Leads'], left.map((row) => [stageLabel(row.stage), reasonLabel(row.reason), count(row.leads)])),
    );
    const d = chosen.decisions;
    this.decisions.replaceChildren(
      el(
        'div',
        { class: 'tiles' },
        tile('Accepted', count(d.accepted), 'accepted'),
        tile('Rejected', count(d.rejected), 'rejected'),
        tile('Not accepted in time', count(d.notAccepted), 'not-accepted'),
        tile('Decided before the deadline', percent(d.beforeDeadlineShare), 'before-deadline'),
      ),
      el('p', { class: 'muted', id: 'deadline-share' }, `Decided before the owner's deadline: ${deadlineShare(d)}.`),
    );
    this.renderDeals(chosen);
    this.updateCharts(chosen);
    this.root.setAttribute('aria-busy', 'false');
  }

  private renderDeals(chosen: Segment): void {
    const { deals } = chosen;
    const currencies = currencyRows(deals);
    this.deals.replaceChildren(
      el('div', { class: 'tiles' }, tile('Opportunities', count(deals.opportunities), 'opportunities'), tile('Won', count(deals.won), 'won'), tile('Lost', count(deals.lost), 'lost')),
      currencies.length === 0
        ? el('p', { class: 'muted' }, 'No pipeline or revenue in this period.')
        : table(['Currency', 'Pipeline', 'Revenue'], currencies.map((row) => [row.currency, money(row.pipeline, row.currency), money(row.revenue, row.currency)])),
    );
  }

  private renderSegments(report: FunnelOfPeriod): void {
    this.segmentsPanel.hidden = report.by === 'all';
    if (report.by === 'all') return this.segmentsPanel.replaceChildren();
    const steps = funnelSteps(report.segments[0]?.stages ?? []).map((s) => s.stage);
    this.segmentsPanel.replaceChildren(
      el('h2', {}, `Segments by ${sliceLabelOf(report.by).toLowerCase()}`),
      report.segments.length === 0
        ? el('p', { class: 'muted' }, 'No lead counted in this period.')
        : table(
            ['Segment', ...steps.map(stageLabel), 'Before deadline'],
            report.segments.map((s) => [
              segmentLabel(s, report.by),
              ...steps.map((stage) => count(s.stages.find((row) => row.stage === stage)?.reached ?? 0)),
              percent(s.decisions.beforeDeadlineShare),
            ]),
            (i) => ({ 'data-segment': report.segments[i]!.segment }),
          ),
    );
  }

  private renderNow(report: FunnelOfPeriod): void {
    this.now.replaceChildren(
      table(
        ['Stage', 'Reached ever', 'In it now'],
        report.stages.map((row) => [stageLabel(row.stage), count(row.reached), count(row.current)]),
      ),
    );
  }

  private updateCharts(chosen: Segment | undefined): void {
    const steps = funnelSteps(chosen?.stages ?? []);
    this.funnelChart.data.labels = steps.map((row) => `${stageLabel(row.stage)}${row.conversionFromPrevious === null ? '' : ` (${percent(row.conversionFromPrevious)})`}`);
    this.funnelChart.data.datasets[0]!.data = steps.map((row) => row.reached);
    this.funnelChart.update();
    const timed = (chosen?.stages ?? []).filter((row) => row.timeInStage !== null);
    this.timeChart.data.labels = timed.map((row) => stageLabel(row.stage));
    this.timeChart.data.datasets[0]!.data = timed.map((row) => row.timeInStage!.medianHours);
    this.timeChart.data.datasets[1]!.data = timed.map((row) => row.timeInStage!.p90Hours);
    this.timeChart.update();
  }

  /** The calibration of the period: said plainly when this stack does not serve it yet. */
  private async loadCalibration(period: { from: string; to: string }, asked: number): Promise<void> {
    this.calibration.setAttribute('aria-busy', 'true');
    const answer = await api<CalibrationOfPeriod>(`/v1/reports/calibration${reportQuery(period)}`, this.key);
    if (asked !== this.asked) return;
    this.calibrationChart?.destroy();
    this.calibrationChart = undefined;
    if (!answer.ok) {
      const text =
        answer.status === 404
          ? 'This stack does not serve the calibration report yet (GET /v1/reports/calibration answered 404 Not Found), so there are no calibration numbers to show.'
          : `The calibration report could not be read: ${answer.message}`;
      this.calibration.replaceChildren(el('p', { class: 'muted', id: 'calibration-status' }, text));
      this.calibration.setAttribute('aria-busy', 'false');
      return;
    }
    const report = answer.body;
    const canvas = el('canvas', { id: 'calibration-chart', role: 'img', 'aria-label': 'Acceptance and win rate per score band' });
    const rows = (items: typeof report.bands | typeof report.grades, name: (item: (typeof items)[number]) => string) =>
      items.map((item) => [name(item), count(item.decisions), count(item.accepted), percent(item.acceptanceRate), count(item.closed), count(item.won), percent(item.winRate)]);
    const head = ['Decisions', 'Accepted', 'Acceptance rate', 'Closed', 'Won', 'Win rate'];
    this.calibration.replaceChildren(
      el('p', { id: 'calibration-threshold' }, thresholdText(report)),
      el('div', { class: 'chart' }, canvas),
      el('h3', {}, 'By score band (engagement at hand-off)'),
      table(['Band', ...head], rows(report.bands, (b) => (b as { label: string }).label), (i) => ({ 'data-band': report.bands[i]!.label })),
      el('h3', {}, 'By grade (fit)'),
      table(['Grade', ...head], rows(report.grades, (g) => (g as { grade: string }).grade)),
    );
    // a band with no decisions (or no closed deal) has no rate: no bar, rather than a made-up 0
    const rate = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10);
    this.calibrationChart = new Chart(canvas, this.barChart([
      { label: 'Acceptance rate %', data: report.bands.map((b) => rate(b.acceptanceRate)), backgroundColor: PRIMARY },
      { label: 'Win rate %', data: report.bands.map((b) => rate(b.winRate)), backgroundColor: SECONDARY },
    ]));
    this.calibrationChart.data.labels = report.bands.map((b) => b.label);
    this.calibrationChart.update();
    this.calibration.setAttribute('aria-busy', 'false');
  }
}

// ---- start: a digest's link, the key of this tab's session, or the sign-in form and nothing else ----

// a digest's link wins over a key kept from before: an expired or altered one shows the form with why
const kept = linkFromAddress() ?? sessionStorage.getItem(KEY_ITEM);
if (kept) void open(kept);
else showSignIn();
