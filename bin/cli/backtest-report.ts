import type { BacktestReport } from '#core/backtest.ts';

/**
 * The backtest report as plain text for a terminal. The computation is
 * `functions/core/backtest.ts`; this only words and aligns its figures.
 */

type Align = 'left' | 'right';

/** Rows as aligned text columns, two spaces apart; the widths are returned for headers spanning columns. */
function columns(rows: readonly (readonly string[])[], align: readonly Align[], minWidths: readonly number[] = []): { lines: string[]; widths: number[] } {
  const widths = align.map((_, i) => Math.max(minWidths[i] ?? 0, ...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return { lines, widths };
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;
const percent = (value: number | null, part: number, whole: number) => (value === null ? 'n/a' : `${Math.round(value * 100)}% (${count(part)} of ${count(whole)})`);

/**
 * The report as plain text for a terminal: the current and the draft model in
 * adjacent columns, "n/a" wherever there is nothing to compute from.
 */
export function formatBacktest(report: BacktestReport): string {
  const currentTitle = `current ${report.current.version}`;
  const draftTitle = `draft ${report.draft.version}`;
  const { qualification: q } = report;
  const out: string[] = [];

  out.push(`Backtest of draft scoring model ${report.draft.version} against current model ${report.current.version}`);
  out.push(`${plural(report.leads, 'lead', 'leads')} replayed from their stored events; nothing was written.`);
  out.push('');

  out.push(
    ...columns(
      [
        ['MQLs', currentTitle, draftTitle],
        ['leads that would be MQL', count(report.current.mqls), count(report.draft.mqls)],
        ['median days, first event to MQL', days(report.current.medianDaysToMql), days(report.draft.medianDaysToMql)],
      ],
      ['left', 'right', 'right'],
    ).lines,
  );
  out.push('');
  out.push('Under the draft:');
  out.push(`  ${plural(q.newly, 'lead newly qualifies', 'leads newly qualify')}`);
  out.push(`  ${plural(q.noLonger, 'lead no longer qualifies', 'leads no longer qualify')}`);
  out.push(`  ${plural(q.both, 'lead qualifies', 'leads qualify')} under both models, ${count(q.neither)} under neither`);
  out.push('');

  const periodTitle = report.period === 'week' ? 'MQLs per ISO week (UTC)' : 'MQLs per month (UTC)';
  if (report.mqlsPerPeriod.length === 0) out.push(`${periodTitle}: none under either model`);
  else {
    out.push(
      ...columns(
        [[periodTitle, currentTitle, draftTitle], ...report.mqlsPerPeriod.map((row) => [row.period, count(row.current), count(row.draft)])],
        ['left', 'right', 'right'],
      ).lines,
    );
  }
  out.push('');

  out.push(`Score bands: engagement when sales first saw the lead (${plural(report.handedOff, 'lead', 'leads')} handed off, ${count(report.leads - report.handedOff)} never)`);
  out.push('acceptance = accepted / (accepted + rejected), win rate = won / (won + lost), in the first cycle');
  const bandRows = report.current.bands.map((band, i) => {
    const other = report.draft.bands[i]!;
    return [
      band.label,
      count(band.leads),
      percent(band.acceptanceRate, band.accepted, band.accepted + band.rejected),
      percent(band.winRate, band.won, band.won + band.lost),
      count(other.leads),
      percent(other.acceptanceRate, other.accepted, other.accepted + other.rejected),
      percent(other.winRate, other.won, other.won + other.lost),
    ];
  });
  const bandColumns = (minWidths: readonly number[] = []) =>
    columns(
      [['band', 'leads', 'acceptance', 'win rate', 'leads', 'acceptance', 'win rate'], ...bandRows],
      ['left', 'right', 'left', 'left', 'right', 'left', 'left'],
      minWidths,
    );
  const spanOf = (widths: readonly number[], from: number, to: number) => widths.slice(from, to).reduce((sum, w) => sum + w, 0) + 2 * (to - from - 1);
  let table = bandColumns();
  // A model's title wider than its three columns widens the last of them, so the draft's title stays over its own.
  const shortBy = currentTitle.length - spanOf(table.widths, 1, 4);
  if (shortBy > 0) table = bandColumns(table.widths.map((w, i) => (i === 3 ? w + shortBy : w)));
  const span = (from: number, to: number) => spanOf(table.widths, from, to);
  // Each model's title sits over its three columns.
  out.push(`${' '.repeat(span(0, 1))}  ${currentTitle.padEnd(span(1, 4))}  ${draftTitle}`.trimEnd());
  out.push(...table.lines);

  return out.join('\n') + '\n';
}

function days(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(1);
}
