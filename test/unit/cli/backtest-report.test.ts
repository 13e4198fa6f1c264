import { describe, expect, it } from 'vitest';
import { formatBacktest } from '../../../bin/cli/backtest-report.ts';
import { backtest } from '#core/backtest.ts';
import { current, draft, handOffs, journeys } from '../core/backtest-fixtures.ts';

describe('the plain-text report', () => {
  it('shows both models side by side with the key figures', () => {
    // Prepare
    const report = backtest([...journeys, ...handOffs], current, draft);

    // Act
    const text = formatBacktest(report);
    const lines = text.split('\n');

    // Assess: the journeys' MQLs (3 and 4) plus, from the hand-offs, won, lost and never-handed-off under the current model
    // (demo 50) and lost (demo 20 and a view), webinar-20 and webinar-19 (40 at hour 0) under the draft
    expect(lines[0]).toBe('Backtest of draft scoring model bt-draft against current model bt-current');
    expect(lines).toContainEqual('13 leads replayed from their stored events; nothing was written.');
    expect(lines).toContainEqual(expect.stringMatching(/^MQLs\s+current bt-current\s+draft bt-draft$/));
    expect(lines).toContainEqual(expect.stringMatching(/^leads that would be MQL\s+6\s+7$/));
    expect(lines).toContainEqual('  4 leads newly qualify');
    expect(lines).toContainEqual('  3 leads no longer qualify');
    expect(lines).toContainEqual('  3 leads qualify under both models, 3 under neither');
    expect(lines).toContainEqual(expect.stringMatching(/^2026-W07\s+0\s+1$/));
    expect(lines).toContainEqual(expect.stringMatching(/^20–39\s+2\s+50% \(1 of 2\)\s+n\/a\s+3\s+67% \(2 of 3\)\s+100% \(1 of 1\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^0–19\s+2\s+n\/a\s+n\/a\s+2\s+n\/a\s+n\/a$/));
    expect(lines).toContainEqual(expect.stringMatching(/^100\+\s+1\s+100% \(1 of 1\)\s+0% \(0 of 1\)\s+0\s+n\/a\s+n\/a$/));
  });

  it('puts each model title over its own band columns', () => {
    // Act
    const lines = formatBacktest(backtest(handOffs, current, draft)).split('\n');

    // Assess: counts are narrower than the "leads" header, so each group starts where its "leads" does
    const header = lines.findIndex((line) => line.startsWith('band'));
    const titles = lines[header - 1]!;
    const columns = lines[header]!;
    expect(titles.indexOf('current bt-current')).toBe(columns.indexOf('leads'));
    expect(titles.indexOf('draft bt-draft')).toBe(columns.lastIndexOf('leads'));
  });
});
