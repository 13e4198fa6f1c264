import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awayRangeOf, backAt, findRepOrWhy, repStatesOf, routeReassignment, teamsFreed, withAway } from '#core/rep-availability.ts';
import { repCalendars } from '#core/rep-calendars.ts';
import { pickRep, routingSchema, type RoutingConfig } from '#core/routing.ts';
import { teamsSchema, type TeamsConfig } from '#core/teams.ts';

const person = (id: string) => ({ id, name: `Name of ${id}`, email: `${id}@example.com` });
const teamOf = (repIds: readonly string[]): TeamsConfig =>
  teamsSchema.parse({ teams: [{ id: 'sales-emea', manager: person('mgr-ana'), reps: repIds.map((id) => ({ ...person(id), timeZone: 'Europe/London' })) }], sender: 'LeadLoop <l@example.com>' });
const routing: RoutingConfig = routingSchema.parse({ rules: [], defaultTeam: 'sales-emea', defaults: { maxOpenLeads: 2 } });
// Wednesday 6 January 2027, 10:00 in London: everyone is at work
const WEDNESDAY = new Date('2027-01-06T10:00:00Z');
const rule = { id: 'default' as const, index: -1 as const };

describe('the reps’ state routing reads', () => {
  it('reads a rep never written as no open leads and never away, and a stored absence as instants', () => {
    const teams = teamOf(['rep-a', 'rep-b']);
    const states = repStatesOf(teams.teams[0]!, routing, { 'rep-b': { open: 2, away: [{ from: '2027-01-04T00:00:00.000Z', until: '2027-01-09T00:00:00.000Z' }] } });

    expect(states['rep-a']).toMatchObject({ open: 0, calendar: { timeZone: 'Europe/London', away: [] } });
    expect(states['rep-b']?.open).toBe(2);
    expect(states['rep-b']?.calendar.away).toEqual([{ from: new Date('2027-01-04T00:00:00.000Z'), until: new Date('2027-01-09T00:00:00.000Z') }]);
  });
});

describe('routing on a public holiday', () => {
  // Two London reps, one in England and one in Scotland; St Andrew's Day (Monday 30 November 2026) is a holiday in Scotland only.
  const teams = teamOf(['rep-eng', 'rep-sco']);
  const places = routingSchema.parse({
    rules: [],
    defaultTeam: 'sales-emea',
    defaults: { maxOpenLeads: 2 },
    teams: { 'sales-emea': { reps: { 'rep-eng': { country: 'GB' }, 'rep-sco': { country: 'GB', state: 'SCT' } } } },
  });
  const holidays = { generatedBy: 'test', source: 'test', fromYear: 2026, toYear: 2027, places: { GB: ['2026-12-25'], 'GB-SCT': ['2026-11-30', '2026-12-25'] } };
  const calendars = repCalendars({ teams, routing: places, holidays });
  const mondayMorning = new Date('2026-11-30T10:00:00Z');

  it('skips a rep on their public holiday as off-hours, saying when they start again, like a rep outside working hours', () => {
    // Act
    const pick = pickRep(teams.teams[0]!, places, repStatesOf(teams.teams[0]!, places, {}, calendars), {}, mondayMorning);

    // Assess: rep-sco is back Tuesday 09:00
    expect(pick.repId).toBe('rep-eng');
    expect(pick.skipped).toEqual([{ repId: 'rep-sco', reason: 'off-hours', workingFrom: '2026-12-01T09:00:00.000Z' }]);
  });

  it('keeps the rep’s time away beside the holidays', () => {
    const states = repStatesOf(teams.teams[0]!, places, { 'rep-eng': { open: 0, away: [{ from: '2026-11-30T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' }] } }, calendars);

    expect(states['rep-eng']?.calendar).toMatchObject({ holidays: ['2026-12-25'], away: [{ from: new Date('2026-11-30T00:00:00.000Z'), until: new Date('2026-12-01T00:00:00.000Z') }] });
    // rep-eng away, rep-sco on holiday: the lead goes to rep-sco, who is able and starts on Tuesday; rep-eng is skipped as away
    const pick = pickRep(teams.teams[0]!, places, states, {}, mondayMorning);
    expect(pick.repId).toBe('rep-sco');
    expect(pick.skipped).toEqual([{ repId: 'rep-eng', reason: 'away', from: '2026-11-30T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' }]);
  });

  it('routes both reps alike on a day that is a holiday for neither', () => {
    const tuesday = new Date('2026-12-01T10:00:00Z');
    const pick = pickRep(teams.teams[0]!, places, repStatesOf(teams.teams[0]!, places, {}, calendars), {}, tuesday);
    expect(pick.skipped).toEqual([]);
  });
});

describe('routing a reassignment', () => {
  it('skips the reps who had the cycle, and says so', () => {
    const teams = teamOf(['rep-a', 'rep-b', 'rep-c']);
    const reps = repStatesOf(teams.teams[0]!, routing, {});

    const picked = routeReassignment('sales-emea', rule, ['rep-a'], { routing, teams, reps, rotations: {}, now: WEDNESDAY });

    expect(picked?.repId).toBe('rep-b');
    expect(picked?.record).toEqual({ at: WEDNESDAY.toISOString(), teamId: 'sales-emea', repId: 'rep-b', rule, skipped: [{ repId: 'rep-a', reason: 'previous' }], via: 'reassignment' });
  });

  it('finds nobody when every other rep is away or full, and never hands the lead back to the rep who just missed it', () => {
    const teams = teamOf(['rep-a', 'rep-b']);
    const reps = repStatesOf(teams.teams[0]!, routing, { 'rep-b': { open: 2, away: [] } });

    expect(routeReassignment('sales-emea', rule, ['rep-a'], { routing, teams, reps, rotations: {}, now: WEDNESDAY })).toBeUndefined();
  });

  it('goes to another rep than the one who missed, and to a rep who had it only once all others had (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }), (size, history) => {
        const ids = Array.from({ length: size }, (_, i) => `rep-${i}`);
        const teams = teamOf(ids);
        const previous = history.map((i) => ids[i % size]!);
        const reps = repStatesOf(teams.teams[0]!, routing, {});

        const picked = routeReassignment('sales-emea', rule, previous, { routing, teams, reps, rotations: {}, now: WEDNESDAY });

        expect(picked).toBeDefined();
        expect(picked!.repId).not.toBe(previous.at(-1));
        if (ids.some((id) => !previous.includes(id))) expect(previous).not.toContain(picked!.repId);
      }),
    );
  });
});

describe('time away from the command line', () => {
  it('turns whole days in the rep’s time zone into instants, both days included', () => {
    expect(awayRangeOf('2027-01-04', '2027-01-08', 'Europe/Berlin')).toEqual({
      range: { from: new Date('2027-01-03T23:00:00.000Z'), until: new Date('2027-01-08T23:00:00.000Z') },
    });
  });

  it.each([
    [undefined, '2027-01-08', '--from is required: the first day away, as YYYY-MM-DD'],
    ['2027-01-04', undefined, '--until is required: the last day away, as YYYY-MM-DD'],
    ['4 Jan', '2027-01-08', '--from must be a day as YYYY-MM-DD, got "4 Jan"'],
    ['2027-01-04', '2027-02-30', '--until must be a day as YYYY-MM-DD, got "2027-02-30"'],
    ['2027-01-08', '2027-01-04', '--until (2027-01-04) is before --from (2027-01-08)'],
  ])('refuses --from %s --until %s', (from, until, error) => {
    expect(awayRangeOf(from, until, 'Europe/Berlin')).toEqual({ error });
  });

  it('names the reps there are when a rep is unknown', () => {
    expect(findRepOrWhy(teamOf(['rep-a', 'rep-b']), 'rep-z')).toEqual({ error: 'no rep "rep-z" in config/teams.json (reps: rep-a, rep-b)' });
  });

  it('keeps absences to come when a rep is back, ends the one under way, and forgets those over', () => {
    const away = [
      { from: '2027-01-01T00:00:00.000Z', until: '2027-01-03T00:00:00.000Z' },
      { from: '2027-01-05T00:00:00.000Z', until: '2027-01-09T00:00:00.000Z' },
      { from: '2027-02-01T00:00:00.000Z', until: '2027-02-05T00:00:00.000Z' },
    ];

    expect(backAt(away, WEDNESDAY)).toEqual([away[2]]);
    expect(withAway(away, { from: new Date('2027-01-20T00:00:00.000Z'), until: new Date('2027-01-22T00:00:00.000Z') }, WEDNESDAY)).toEqual([
      away[1],
      { from: '2027-01-20T00:00:00.000Z', until: '2027-01-22T00:00:00.000Z' },
      away[2],
    ]);
  });
});

describe('the teams a change to reps’ items frees', () => {
  const teams: TeamsConfig = teamsSchema.parse({
    teams: [
      { id: 'sales-emea', manager: person('mgr-ana'), reps: ['rep-sam', 'rep-kim'].map((id) => ({ ...person(id), timeZone: 'Europe/London' })) },
      { id: 'sales-americas', manager: person('mgr-lou'), reps: ['rep-ada', 'rep-ben'].map((id) => ({ ...person(id), timeZone: 'America/New_York' })) },
    ],
    sender: 'LeadLoop <l@example.com>',
  });

  it('names the team of a rep whose open leads dropped, once, in the order of teams.json', () => {
    const freed = teamsFreed(
      [
        { repId: 'rep-ben', openBefore: 5, openAfter: 4 },
        { repId: 'rep-kim', openBefore: 2, openAfter: 1 },
        { repId: 'rep-ada', openBefore: 1, openAfter: 0 },
      ],
      teams,
    );
    expect(freed).toEqual(['sales-emea', 'sales-americas']);
  });

  it('frees nothing on a hand-off (a rise), a write that leaves the count (time away), or a rep not in teams.json', () => {
    const freed = teamsFreed(
      [
        { repId: 'rep-sam', openBefore: 1, openAfter: 2 },
        { repId: 'rep-kim', openBefore: 3, openAfter: 3 },
        { repId: 'rep-gone', openBefore: 3, openAfter: 2 },
      ],
      teams,
    );
    expect(freed).toEqual([]);
  });

  it('frees exactly the teams with a rep whose count dropped, whatever the changes', () => {
    const repIds = ['rep-sam', 'rep-kim', 'rep-ada', 'rep-ben'];
    const change = fc.record({ repId: fc.constantFrom(...repIds), openBefore: fc.nat(5), openAfter: fc.nat(5) });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 8 }), (changes) => {
        const freed = teamsFreed(changes, teams);
        expect(new Set(freed).size).toBe(freed.length);
        for (const team of teams.teams) {
          const dropped = changes.some((c) => c.openAfter < c.openBefore && team.reps.some((r) => r.id === c.repId));
          expect(freed.includes(team.id)).toBe(dropped);
        }
      }),
    );
  });
});
