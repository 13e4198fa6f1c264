import { el, table } from '../dom.ts';
import { count, duration, stageLabel } from '../format.ts';
import { stalledLeadLabel, stalledQuery, unavailableText, type StalledShown } from '../panel-format.ts';
import type { Ask, Panel, PanelQuery } from './panel.ts';

const PATH = '/v1/reports/stalled';
/** leads listed: the longest stalled first */
export const STALLED_LEADS = 25;

/**
 * The leads sitting in a stage longer than the agreement allows, longest first, now (not over
 * the page's period): of every watched stage or the one chosen, of the team or rep chosen in the
 * page's slice. Names and companies are lead-supplied: put in the page as text, never HTML.
 */
export class StalledPanel implements Panel {
  readonly root: HTMLElement;
  private readonly ask: Ask;
  private readonly stage = el('select', { id: 'stalled-stage' }, el('option', { value: '' }, 'Every stage'));
  private readonly body = el('div', { id: 'stalled-body', 'aria-busy': 'true' });
  private query: PanelQuery | undefined;
  private asked = 0;

  constructor(ask: Ask) {
    this.ask = ask;
    this.root = el(
      'section',
      { class: 'panel', id: 'stalled' },
      el('h2', {}, 'Stalled leads: in a stage longer than agreed'),
      el('div', { class: 'controls' }, el('label', {}, 'Stage', this.stage)),
      this.body,
    );
    this.stage.addEventListener('change', () => this.query && this.load(this.query));
  }

  load(query: PanelQuery): void {
    this.query = query;
    void this.fetch(query);
  }

  private async fetch(query: PanelQuery): Promise<void> {
    const asked = ++this.asked;
    this.body.setAttribute('aria-busy', 'true');
    const answer = await this.ask<StalledShown>(`${PATH}${stalledQuery(query, this.stage.value, STALLED_LEADS)}`);
    if (asked !== this.asked) return;
    if (answer.ok) this.render(answer.body);
    else this.body.replaceChildren(el('p', { class: 'muted', id: 'stalled-status' }, unavailableText('stalled-leads report', PATH, answer)));
    this.body.setAttribute('aria-busy', 'false');
  }

  private render(report: StalledShown): void {
    // the stages the agreement sets a limit for, as the report lists them
    const chosen = this.stage.value;
    this.stage.replaceChildren(
      el('option', { value: '' }, 'Every stage'),
      ...report.limits.map((limit) => el('option', { value: limit.stage }, `${stageLabel(limit.stage)} (over ${duration(limit.hours)})`)),
    );
    this.stage.value = report.limits.some((limit) => limit.stage === chosen) ? chosen : '';
    const owner = [report.filters.team && `team ${report.filters.team}`, report.filters.rep && `rep ${report.filters.rep}`].filter(Boolean).join(', ');
    this.body.replaceChildren(
      el('p', { class: 'muted', id: 'stalled-note' }, `As of ${report.at.slice(0, 16).replace('T', ' ')} UTC${owner ? `, ${owner}` : ''}; the longest in their stage first.`),
      report.leads.length === 0
        ? el('p', { class: 'muted' }, 'No lead has stalled.')
        : el(
            'div',
            { id: 'stalled-leads' },
            table(
              ['Lead', 'Company', 'Stage', 'In stage', 'Limit', 'Rep'],
              report.leads.map((lead) => [stalledLeadLabel(lead), lead.company ?? '–', stageLabel(lead.stage), duration(lead.hoursInStage), duration(lead.limit.hours), lead.owner?.repId ?? '–']),
              (i) => ({ 'data-lead': report.leads[i]!.leadId }),
            ),
          ),
      ...(report.more ? [el('p', { class: 'muted', id: 'stalled-more' }, `More than ${count(report.limit)} leads have stalled; the ${count(report.limit)} longest are shown.`)] : []),
    );
  }

  destroy(): void {
    this.root.remove();
  }
}
