import { describe, expect, it } from 'vitest';
import { awayDays } from '#core/business-hours.ts';
import { routingView } from '#core/lead-view.ts';
import { renderQueuedEmail, skipInWords } from '#core/queue-emails.ts';
import type { RoutingRecord } from '#core/rep-availability.ts';
import { teamsSchema, type TeamsConfig } from '#core/teams.ts';

const teamsWith = (managerZone?: string): TeamsConfig =>
  teamsSchema.parse({
    teams: [
      {
        id: 'sales-americas',
        manager: { id: 'mgr-lou', name: 'Lou Manager', email: 'lou@example.com', ...(managerZone && { timeZone: managerZone }) },
        reps: [
          { id: 'rep-ada', name: 'Ada Account', email: 'ada@example.com', timeZone: 'America/New_York' },
          { id: 'rep-ben', name: 'Ben Booker', email: 'ben@example.com', timeZone: 'America/Chicago' },
        ],
      },
    ],
    sender: 'LeadLoop <leadloop@example.com>',
  });

// Ada away 12–22 January (New York days), Ben not at work until Tuesday 09:00 Chicago; read Monday 11 January, 23:30 New York.
const ada = awayDays('2027-01-12', '2027-01-22', 'America/New_York');
const record: RoutingRecord = {
  at: '2027-01-12T04:30:00.000Z',
  teamId: 'sales-americas',
  rule: { id: 'americas', index: 0 },
  skipped: [
    { repId: 'rep-ada', reason: 'away', from: ada.from.toISOString(), until: ada.until.toISOString() },
    { repId: 'rep-ben', reason: 'off-hours', workingFrom: '2027-01-12T15:00:00.000Z' },
  ],
  via: 'routing',
};

describe('skips in words, in the reader’s zone', () => {
  it('the manager’s "Waiting for a rep" email says each instant in the manager’s own zone, with no UTC timestamp', () => {
    const email = renderQueuedEmail({ leadId: 'lead-1', lead: { name: 'Pat', email: 'pat@example.com' }, manager: teamsWith('Europe/London').teams[0]!.manager, teamId: 'sales-americas', record, teams: teamsWith('Europe/London') });

    // London is on UTC in January: the New York midnights are 05:00 there, Chicago's 09:00 is 15:00
    expect(email.text).toContain('- Ada Account: away from Tuesday 12 January, 05:00 to Saturday 23 January, 05:00 Europe/London');
    expect(email.text).toContain('- Ben Booker: not at work until Tuesday 12 January, 15:00 Europe/London');
    expect(email.html).toContain('Ada Account: away from Tuesday 12 January, 05:00 to Saturday 23 January, 05:00 Europe/London');
    expect(`${email.text}${email.html}`).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it('a manager without a zone reads each rep’s instants in that rep’s zone', () => {
    const teams = teamsWith();
    const email = renderQueuedEmail({ leadId: 'lead-1', lead: {}, manager: teams.teams[0]!.manager, teamId: 'sales-americas', record, teams });

    expect(email.text).toContain('- Ada Account: away from Tuesday 12 January, 00:00 to Saturday 23 January, 00:00 America/New_York');
    expect(email.text).toContain('- Ben Booker: not at work until Tuesday 12 January, 09:00 America/Chicago');
  });

  it('names the year when the instant is in another year than the decision', () => {
    const words = skipInWords({ repId: 'rep-ben', reason: 'off-hours', workingFrom: '2027-01-04T15:00:00.000Z' }, teamsWith(), { now: new Date('2026-12-31T20:00:00Z') });
    expect(words).toBe('Ben Booker: not at work until Monday 4 January 2027, 09:00 America/Chicago');
  });

  it('a record written before skips said from when reads "away until"; a rep no longer in teams.json reads in UTC', () => {
    expect(skipInWords({ repId: 'rep-ada', reason: 'away', until: ada.until.toISOString() }, teamsWith())).toBe('Ada Account: away until Saturday 23 January, 00:00 America/New_York');
    expect(skipInWords({ repId: 'rep-gone', reason: 'off-hours', workingFrom: '2027-01-12T15:00:00.000Z' }, teamsWith())).toBe('rep-gone: not at work until Tuesday 12 January, 15:00 UTC');
  });

  it('the lead view says the same, in the team manager’s zone, and keeps the ISO instants as data', () => {
    const view = routingView(record, teamsWith('Europe/Berlin'));

    expect(view.skipped).toEqual([
      { ...record.skipped[0], says: 'Ada Account: away from Tuesday 12 January, 06:00 to Saturday 23 January, 06:00 Europe/Berlin' },
      { ...record.skipped[1], says: 'Ben Booker: not at work until Tuesday 12 January, 16:00 Europe/Berlin' },
    ]);
  });
});
