import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awayDays, defaultWeeklyHours, type AwayRange, type WorkCalendar } from '#core/business-hours.ts';
import { parseConfig } from '#core/config-errors.ts';
import { isHolidayPlace } from '#core/public-holidays.ts';
import {
  awayUntil,
  countriesNeedingState,
  countryOf,
  drainQueue,
  matchTeam,
  pickRep,
  repCalendar,
  repProfile,
  routeLead,
  routingIssues,
  routingSchema,
  type QueuedLead,
  type RepState,
  type RoutingConfig,
  type Rotation,
} from '#core/routing.ts';
import { acceptanceWindow } from '#core/service-agreement.ts';
import { teamsSchema, type TeamsConfig } from '#core/teams.ts';
import { calendarArb, startArb } from './calendar-arbitraries.ts';

const person = (id: string) => ({ id, name: `Name of ${id}`, email: `${id}@example.com` });
const rep = (id: string, timeZone = 'Europe/Berlin') => ({ ...person(id), timeZone });

const teams: TeamsConfig = teamsSchema.parse({
  teams: [
    { id: 'sales-emea', manager: person('mgr-ana'), reps: [rep('rep-sam', 'Europe/London'), rep('rep-kim')] },
    { id: 'sales-dach', manager: person('mgr-dora'), reps: [rep('rep-a'), rep('rep-b'), rep('rep-c')] },
    { id: 'sales-enterprise', manager: person('mgr-eve'), reps: [rep('rep-e')] },
    { id: 'sales-us', manager: person('mgr-bo'), reps: [rep('rep-ny', 'America/New_York'), rep('rep-ldn', 'Europe/London')] },
  ],
  sender: 'LeadLoop <leadloop@example.com>',
});

const routing: RoutingConfig = routingSchema.parse({
  regions: { dach: ['DE', 'AT', 'CH'] },
  rules: [
    { id: 'dach-enterprise', when: { region: ['dach'], traits: { employees: { min: 1000 } } }, team: 'sales-enterprise' },
    { id: 'dach', when: { region: ['dach'] }, team: 'sales-dach' },
    { id: 'us-software', when: { country: ['US', 'CA'], traits: { industry: { oneOf: ['software', 'saas'] } } }, team: 'sales-us' },
    { id: 'any-fintech', when: { traits: { industry: { oneOf: ['fintech'] } } }, team: 'sales-us' },
  ],
  defaultTeam: 'sales-emea',
  defaults: { maxOpenLeads: 3 },
  teams: { 'sales-dach': { reps: { 'rep-a': { weight: 3 }, 'rep-b': { weight: 1, maxOpenLeads: 1 } } } },
});

const at = (iso: string) => new Date(iso);
// Wednesday 6 January 2027, 11:00 in Berlin: everyone in Europe is at work
const WEDNESDAY = at('2027-01-06T10:00:00Z');

function states(teamId: string, over: Record<string, { open?: number; away?: AwayRange[] }> = {}): Record<string, RepState> {
  const team = teams.teams.find((t) => t.id === teamId)!;
  return Object.fromEntries(
    team.reps.map((r) => [
      r.id,
      { open: over[r.id]?.open ?? 0, calendar: repCalendar(repProfile(routing, teamId, r.id), r.timeZone, [], over[r.id]?.away ?? []) },
    ]),
  );
}

describe('rules pick the team', () => {
  it.each([
    ['a German enterprise', { country: 'DE', employees: 5000 }, 'dach-enterprise', 'sales-enterprise'],
    ['a country given by name, employees as text', { country: 'Switzerland', employees: '1200' }, 'dach-enterprise', 'sales-enterprise'],
    ['a small Austrian company', { country: 'at', employees: 40 }, 'dach', 'sales-dach'],
    ['US software', { country: 'United States', industry: 'Software' }, 'us-software', 'sales-us'],
    ['fintech anywhere: the first rule that matches wins', { country: 'FR', industry: 'fintech' }, 'any-fintech', 'sales-us'],
    ['a German fintech goes by the earlier territory rule', { country: 'DE', industry: 'fintech' }, 'dach', 'sales-dach'],
    ['US retail: no rule', { country: 'US', industry: 'retail' }, 'default', 'sales-emea'],
    ['no country at all', { employees: 5000 }, 'default', 'sales-emea'],
    ['a country nobody knows', { country: 'Atlantis' }, 'default', 'sales-emea'],
  ])('%s', (_, traits, ruleId, teamId) => {
    // Act
    const match = matchTeam({ traits }, routing);

    // Assess
    expect(match.rule.id).toBe(ruleId);
    expect(match.teamId).toBe(teamId);
  });

  it('reads countries by code or name, and nothing else', () => {
    expect([countryOf('de'), countryOf(' Germany '), countryOf('united kingdom'), countryOf('XX'), countryOf(49), countryOf('')]).toEqual(['DE', 'DE', 'GB', undefined, undefined, undefined]);
    // groupings and withdrawn codes Intl still names are no countries; UK is the United Kingdom (ISO reserves it for GB)
    expect([countryOf('EU'), countryOf('UK'), countryOf('YU'), countryOf('European Union')]).toEqual([undefined, 'GB', undefined, undefined]);
  });

  it.each([
    ['USA', { country: 'USA' }, 'us-software'],
    ['U.S.', { country: 'U.S.' }, 'us-software'],
    ['United States of America', { country: 'United States of America' }, 'us-software'],
    ['Deutschland, employees "1,500"', { country: 'Deutschland', employees: '1,500' }, 'dach-enterprise'],
    ['Österreich, employees "1000+"', { country: 'Österreich', employees: '1000+' }, 'dach-enterprise'],
    ['schweiz, employees "501-1,000": not all of it 1000 or more', { country: 'schweiz', employees: '501-1,000' }, 'dach'],
    ['Segment’s address.country', { address: { country: 'Germany', city: 'Berlin' } }, 'dach'],
    ['a country trait nobody knows does not hide address.country', { country: 'Narnia', address: { country: 'de' } }, 'dach'],
    ['country before address.country', { country: 'US', address: { country: 'DE' } }, 'us-software'],
  ])('common forms: %s', (_, traits, ruleId) => {
    expect(matchTeam({ traits: { industry: 'software', ...traits } }, routing).rule.id).toBe(ruleId);
  });
});

describe('within a team', () => {
  it('skips a rep who is away and one who is full, and says so', () => {
    // Prepare: rep-a away this week, rep-b at its cap of 1
    const reps = states('sales-dach', { 'rep-a': { away: [awayDays('2027-01-04', '2027-01-08', 'Europe/Berlin')] }, 'rep-b': { open: 1 } });

    // Act
    const decision = routeLead({ traits: { country: 'DE' } }, { routing, teams, reps, rotations: {}, now: WEDNESDAY });

    // Assess
    expect(decision).toMatchObject({ outcome: 'routed', teamId: 'sales-dach', repId: 'rep-c', rule: { id: 'dach', index: 1 } });
    expect(decision.skipped).toEqual([
      // from midnight of Monday 4th to midnight after Friday 8th, Berlin (UTC+1)
      { repId: 'rep-a', reason: 'away', from: '2027-01-03T23:00:00.000Z', until: '2027-01-08T23:00:00.000Z' },
      { repId: 'rep-b', reason: 'full', open: 1, maxOpenLeads: 1 },
    ]);
  });

  it('a Friday-evening lead skips a rep whose holiday starts on Monday', () => {
    // Prepare: Friday 8 January 18:00 Berlin; rep-a is away all next week
    const reps = states('sales-dach', { 'rep-a': { away: [awayDays('2027-01-11', '2027-01-15', 'Europe/Berlin')] } });

    // Act
    const pick = pickRep(teams.teams[1]!, routing, reps, {}, at('2027-01-08T17:00:00Z'));

    // Assess
    expect(pick.repId).not.toBe('rep-a');
    expect(pick.skipped).toContainEqual({ repId: 'rep-a', reason: 'away', from: '2027-01-10T23:00:00.000Z', until: '2027-01-15T23:00:00.000Z' });
  });

  describe('a rep away before the lead would be due is skipped', () => {
    // The shipped team: Ada in New York, Ben in Chicago, both 09:00–17:00; a 4-hour acceptance window.
    const shippedRouting = routingSchema.parse(JSON.parse(readFileSync(new URL('../../../config/routing.json', import.meta.url), 'utf8')));
    const shippedTeams = teamsSchema.parse(JSON.parse(readFileSync(new URL('../../../config/teams.json', import.meta.url), 'utf8')));
    const americas = shippedTeams.teams.find((t) => t.id === 'sales-americas')!;
    const usReps = (adaAway: AwayRange[]): Record<string, RepState> =>
      Object.fromEntries(americas.reps.map((r) => [r.id, { open: 0, calendar: repCalendar(repProfile(shippedRouting, americas.id, r.id), r.timeZone, [], r.id === 'rep-ada' ? adaAway : []) }]));
    const route = (now: Date, adaAway: AwayRange[]) =>
      routeLead({ traits: { country: 'US' } }, { routing: shippedRouting, teams: shippedTeams, reps: usReps(adaAway), rotations: {}, now, acceptWithinHours: 4 });
    // Monday 11 January 2027, 16:30 in New York (UTC-5)
    const mondayAfternoon = at('2027-01-11T21:30:00Z');

    it('away from tomorrow: the lead due tomorrow noon goes to Ben, and the skip says from when', () => {
      // Prepare: Ada away Tuesday 12 to Friday 22 January; her deadline would be Tuesday 12:30 (30 min today, 3½ h tomorrow)
      const away = [awayDays('2027-01-12', '2027-01-22', 'America/New_York')];

      // Act
      const decision = route(mondayAfternoon, away);

      // Assess
      expect(decision).toMatchObject({ outcome: 'routed', repId: 'rep-ben' });
      expect(decision.skipped).toEqual([{ repId: 'rep-ada', reason: 'away', from: '2027-01-12T05:00:00.000Z', until: '2027-01-23T05:00:00.000Z' }]);
    });

    it('away from the day after the deadline: Ada still gets it (listed first, both at work)', () => {
      const decision = route(mondayAfternoon, [awayDays('2027-01-13', '2027-01-22', 'America/New_York')]);
      expect(decision).toMatchObject({ outcome: 'routed', repId: 'rep-ada', skipped: [] });
    });

    it('the window counts working hours: Tuesday 14:00 is due Wednesday 10:00, inside an absence from Wednesday', () => {
      const decision = route(at('2027-01-12T19:00:00Z'), [awayDays('2027-01-13', '2027-01-22', 'America/New_York')]);
      expect(decision).toMatchObject({ outcome: 'routed', repId: 'rep-ben' });
      expect(decision.skipped).toEqual([{ repId: 'rep-ada', reason: 'away', from: '2027-01-13T05:00:00.000Z', until: '2027-01-23T05:00:00.000Z' }]);
    });

    it('an absence that begins at the deadline itself counts: she would be away at it', () => {
      // Monday 16:30 + 4 working hours: Tuesday 12:30 New York, 17:30Z
      const decision = route(mondayAfternoon, [{ from: at('2027-01-12T17:30:00Z'), until: at('2027-01-12T18:00:00Z') }]);
      expect(decision.skipped).toEqual([{ repId: 'rep-ada', reason: 'away', from: '2027-01-12T17:30:00.000Z', until: '2027-01-12T18:00:00.000Z' }]);
      const justAfter = route(mondayAfternoon, [{ from: at('2027-01-12T17:30:01Z'), until: at('2027-01-12T18:00:00Z') }]);
      expect(justAfter).toMatchObject({ repId: 'rep-ada', skipped: [] });
    });

    it('a reassignment and the queue drain see the same deadline', () => {
      const away = [awayDays('2027-01-12', '2027-01-22', 'America/New_York')];
      const drained = drainQueue([{ leadId: 'lead-1', teamId: 'sales-americas', queuedAt: at('2027-01-11T20:00:00Z') }], {
        routing: shippedRouting,
        teams: shippedTeams,
        reps: usReps(away),
        rotations: {},
        now: mondayAfternoon,
        acceptWithinHours: 4,
      });
      expect(drained.assigned.map((a) => a.repId)).toEqual(['rep-ben']);
    });
  });

  it('back-to-back absences read as one', () => {
    const cal: WorkCalendar = { timeZone: 'Europe/Berlin', week: defaultWeeklyHours, holidays: [], away: [awayDays('2027-01-11', '2027-01-12', 'Europe/Berlin'), awayDays('2027-01-04', '2027-01-10', 'Europe/Berlin')] };
    expect(awayUntil(cal, WEDNESDAY)?.toISOString()).toBe('2027-01-12T23:00:00.000Z');
    expect(awayUntil({ ...cal, away: [] }, WEDNESDAY)).toBeUndefined();
  });

  it('when nobody is at work, the rep who starts first gets the lead', () => {
    // Prepare: Tuesday 12 January 23:00 UTC; London starts at 09:00 UTC, New York at 14:00 UTC
    const reps = states('sales-us');

    // Act
    const pick = pickRep(teams.teams[3]!, routing, reps, {}, at('2027-01-12T23:00:00Z'));

    // Assess
    expect(pick.repId).toBe('rep-ldn');
    expect(pick.skipped).toEqual([{ repId: 'rep-ny', reason: 'off-hours', workingFrom: '2027-01-13T14:00:00.000Z' }]);
  });

  it('in one time zone, night leads still go round: nobody is passed over for the hour', () => {
    const reps = states('sales-dach');
    const night = at('2027-01-09T02:00:00Z'); // Saturday
    const picks: string[] = [];
    let rotation: Rotation = {};
    for (let i = 0; i < 5; i++) {
      const pick = pickRep(teams.teams[1]!, routing, reps, rotation, night);
      expect(pick.skipped).toEqual([]);
      picks.push(pick.repId!);
      rotation = pick.rotation;
    }
    // weights 3, 1, 1 (rep-c takes the default): smooth round robin spreads rep-a's three turns
    expect(picks).toEqual(['rep-a', 'rep-b', 'rep-a', 'rep-c', 'rep-a']);
  });

  it('queues the lead and names the manager when nobody can take it', () => {
    // Prepare
    const reps = states('sales-dach', { 'rep-a': { open: 3 }, 'rep-b': { open: 1 }, 'rep-c': { away: [awayDays('2027-01-01', '2027-01-31', 'Europe/Berlin')] } });

    // Act
    const decision = routeLead({ traits: { country: 'AT' } }, { routing, teams, reps, rotations: {}, now: WEDNESDAY });

    // Assess
    expect(decision).toMatchObject({ outcome: 'queued', teamId: 'sales-dach', manager: { id: 'mgr-dora' }, rule: { id: 'dach' } });
    expect(decision.skipped.map((s) => [s.repId, s.reason])).toEqual([
      ['rep-a', 'full'],
      ['rep-b', 'full'],
      ['rep-c', 'away'],
    ]);
  });

  it('a rep of weight 0 takes leads only when nobody else can', () => {
    const zero = routingSchema.parse({ ...routing, teams: { 'sales-emea': { reps: { 'rep-sam': { weight: 0 } } } } });
    const reps = states('sales-emea');
    expect(pickRep(teams.teams[0]!, zero, reps, {}, WEDNESDAY).repId).toBe('rep-kim');
    expect(pickRep(teams.teams[0]!, zero, { ...reps, 'rep-kim': { ...reps['rep-kim']!, open: 3 } }, {}, WEDNESDAY).repId).toBe('rep-sam');
  });
});

describe('the queue drains oldest first as reps become available', () => {
  const queued: QueuedLead[] = [
    { leadId: 'lead-new', teamId: 'sales-dach', queuedAt: at('2027-01-06T09:00:00Z') },
    { leadId: 'lead-old', teamId: 'sales-dach', queuedAt: at('2027-01-05T09:00:00Z') },
    { leadId: 'lead-mid', teamId: 'sales-dach', queuedAt: at('2027-01-05T15:00:00Z') },
    { leadId: 'lead-emea', teamId: 'sales-emea', queuedAt: at('2027-01-06T08:00:00Z') },
  ];

  it('one free place goes to the oldest lead; the rest wait in order', () => {
    // Prepare: rep-a has one place left (2 of 3), rep-b is full, rep-c away; emea has room
    const reps = {
      ...states('sales-dach', { 'rep-a': { open: 2 }, 'rep-b': { open: 1 }, 'rep-c': { away: [awayDays('2027-01-01', '2027-01-31', 'Europe/Berlin')] } }),
      ...states('sales-emea'),
    };

    // Act
    const drained = drainQueue(queued, { routing, teams, reps, rotations: {}, now: WEDNESDAY });

    // Assess
    expect(drained.assigned.map((a) => [a.leadId, a.repId])).toEqual([
      ['lead-old', 'rep-a'],
      ['lead-emea', 'rep-sam'], // equal weights, equal credit: the rep listed first
    ]);
    expect(drained.waiting.map((l) => l.leadId)).toEqual(['lead-mid', 'lead-new']);
    expect(drained.open['rep-a']).toBe(3);
  });

  it('nothing moves while everyone is away', () => {
    const away = [awayDays('2027-01-01', '2027-01-31', 'Europe/Berlin')];
    const reps = states('sales-dach', { 'rep-a': { away }, 'rep-b': { away }, 'rep-c': { away } });
    const drained = drainQueue(queued.slice(0, 3), { routing, teams, reps, rotations: {}, now: WEDNESDAY });
    expect(drained.assigned).toEqual([]);
    expect(drained.waiting.map((l) => l.leadId)).toEqual(['lead-old', 'lead-mid', 'lead-new']);
  });
});

describe('config/routing.json', () => {
  it('parses, agrees with config/teams.json, and names holiday places the library knows', () => {
    const file = JSON.parse(readFileSync(new URL('../../../config/routing.json', import.meta.url), 'utf8')) as unknown;
    const teamsFile = teamsSchema.parse(JSON.parse(readFileSync(new URL('../../../config/teams.json', import.meta.url), 'utf8')));
    const config = parseConfig('config/routing.json', routingSchema, file);
    expect(routingIssues(config, teamsFile)).toEqual([]);
    for (const team of Object.values(config.teams)) {
      for (const profile of Object.values(team.reps)) if (profile.country) expect(isHolidayPlace({ country: profile.country, state: profile.state })).toBe(true);
    }
  });

  it.each([
    ['USA', 'americas'],
    ['U.S.', 'americas'],
    ['United States of America', 'americas'],
    ['México', 'americas'],
    ['Brasil', 'americas'],
    ['ca', 'americas'],
    ['Deutschland', 'dach'],
    ['Great Britain', 'uk-ie'],
    ['Éire', 'uk-ie'],
  ])('routes a lead from %s by the shipped rule %s, also given as address.country', (country, ruleId) => {
    const config = routingSchema.parse(JSON.parse(readFileSync(new URL('../../../config/routing.json', import.meta.url), 'utf8')));
    expect(matchTeam({ traits: { country } }, config).rule.id).toBe(ruleId);
    expect(matchTeam({ traits: { address: { country } } }, config).rule.id).toBe(ruleId);
  });

  function issuesOf(value: unknown): string[] {
    const result = routingSchema.safeParse(value);
    expect(result.success).toBe(false);
    return (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
  }
  const base = { rules: [], defaultTeam: 'sales-emea', defaults: { maxOpenLeads: 5 } };

  it.each([
    ['a lower-case country', { ...base, rules: [{ id: 'r', when: { country: ['de'] }, team: 'sales-emea' }] }, 'rules.0.when.country.0'],
    ['a country code nobody has', { ...base, rules: [{ id: 'r', when: { country: ['XX'] }, team: 'sales-emea' }] }, 'rules.0.when.country.0: not a known ISO 3166 country code'],
    ['a region not defined', { ...base, rules: [{ id: 'r', when: { region: ['nordics'] }, team: 'sales-emea' }] }, 'rules.0.when.region.0: no region "nordics" in "regions"'],
    ['a band upside down', { ...base, rules: [{ id: 'r', when: { traits: { employees: { min: 1000, max: 10 } } }, team: 'sales-emea' }] }, 'rules.0.when.traits.employees.max'],
    ['a rule id twice', { ...base, rules: [{ id: 'r', when: {}, team: 'a' }, { id: 'r', when: {}, team: 'b' }] }, 'rules.1.id: duplicate rule id "r"'],
    ['a negative weight', { ...base, teams: { 'sales-emea': { reps: { 'rep-sam': { weight: -1 } } } } }, 'teams.sales-emea.reps.rep-sam.weight'],
    ['a cap of 0', { ...base, defaults: { maxOpenLeads: 0 } }, 'defaults.maxOpenLeads'],
    ['hours that end before they start', { ...base, teams: { t: { reps: { r: { hours: { mon: [{ from: '17:00', to: '09:00' }] } } } } } }, 'teams.t.reps.r.hours.mon.0.to'],
    ['a field nobody knows', { ...base, defaults: { maxOpenLeads: 5, capacity: 3 } }, 'defaults'],
  ])('refuses %s, naming the field', (_, value, expected) => {
    expect(issuesOf(value).some((issue) => issue.startsWith(expected))).toBe(true);
  });

  it('names a rep in Britain without a nation: the country-level holidays lack the bank holidays of each', () => {
    // Prepare: Sam in GB with no state; Kim takes the default country GB and has no profile at all
    const config = routingSchema.parse({ ...base, defaults: { maxOpenLeads: 5, country: 'GB' }, teams: { 'sales-emea': { reps: { 'rep-sam': { country: 'GB' } } } } });
    const withStates = routingSchema.parse({ ...base, defaults: { maxOpenLeads: 5 }, teams: { 'sales-emea': { reps: { 'rep-sam': { country: 'GB', state: 'ENG' }, 'rep-kim': { country: 'DE' } } } } });

    // Assess
    expect(routingIssues(config, teams).filter((i) => i.path.startsWith('teams.sales-emea'))).toEqual([
      { path: 'teams.sales-emea.reps.rep-sam.state', message: 'GB\'s public holidays differ by ENG, NIR, SCT, WLS: give rep "rep-sam" a "state"' },
      { path: 'teams.sales-emea.reps.rep-kim.state', message: 'GB\'s public holidays differ by ENG, NIR, SCT, WLS: give rep "rep-kim" a "state"' },
    ]);
    expect(routingIssues(withStates, teams)).toEqual([]);
    for (const state of countriesNeedingState.GB!) expect(isHolidayPlace({ country: 'GB', state })).toBe(true);
  });

  it('names teams and reps that config/teams.json does not have', () => {
    const config = routingSchema.parse({
      ...base,
      rules: [{ id: 'us', when: { country: ['US'] }, team: 'sales-mars' }],
      teams: { 'sales-emea': { reps: { 'rep-zed': { weight: 2 } } }, 'sales-moon': { reps: {} } },
    });
    expect(routingIssues(config, teams)).toEqual([
      { path: 'rules[0].team', message: 'no team "sales-mars" in config/teams.json' },
      { path: 'teams.sales-emea.reps.rep-zed', message: 'no rep "rep-zed" in team "sales-emea" of config/teams.json' },
      { path: 'teams.sales-moon', message: 'no team "sales-moon" in config/teams.json' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const teamIds = ['rep-1', 'rep-2', 'rep-3', 'rep-4', 'rep-5'];
const zoneArb = fc.constantFrom('Europe/Berlin', 'Europe/London', 'America/New_York', 'Asia/Tokyo');
const nowArb = fc.integer({ min: Date.parse('2027-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }).map((ms) => new Date(ms));

/** A random team: reps with weights, caps, zones, open counts and absences around `now`. */
const scenarioArb = fc
  .record({
    size: fc.integer({ min: 1, max: 5 }),
    now: nowArb,
    reps: fc.array(
      fc.record({
        zone: zoneArb,
        weight: fc.integer({ min: 0, max: 5 }),
        cap: fc.integer({ min: 1, max: 4 }),
        open: fc.integer({ min: 0, max: 5 }),
        away: fc.option(fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: 1, max: 10 })), { nil: undefined }),
      }),
      { minLength: 5, maxLength: 5 },
    ),
    rotation: fc.dictionary(fc.constantFrom(...teamIds), fc.integer({ min: -20, max: 20 })),
  })
  .map(({ size, now, reps, rotation }) => {
    const members = reps.slice(0, size).map((r, i) => ({ ...r, id: teamIds[i]! }));
    const teamsConfig = teamsSchema.parse({
      teams: [{ id: 'team', manager: person('mgr-x'), reps: members.map((m) => rep(m.id, m.zone)) }],
      sender: 'LeadLoop <leadloop@example.com>',
    });
    const config = routingSchema.parse({
      rules: [],
      defaultTeam: 'team',
      defaults: { maxOpenLeads: 10 },
      teams: { team: { reps: Object.fromEntries(members.map((m) => [m.id, { weight: m.weight, maxOpenLeads: m.cap }])) } },
    });
    const state: Record<string, RepState> = Object.fromEntries(
      members.map((m) => {
        const away = m.away ? [{ from: new Date(now.getTime() + m.away[0] * 86_400_000), until: new Date(now.getTime() + (m.away[0] + m.away[1]) * 86_400_000) }] : [];
        return [m.id, { open: m.open, calendar: repCalendar(repProfile(config, 'team', m.id), m.zone, [], away) }];
      }),
    );
    return { now, members, teamsConfig, config, state, rotation: rotation as Rotation };
  });

describe('routing properties', () => {
  it('never routes to a rep who is away or full; queues only when every rep is', () => {
    fc.assert(
      fc.property(scenarioArb, ({ now, members, teamsConfig, config, state, rotation }) => {
        // Act
        const decision = routeLead({ traits: {} }, { routing: config, teams: teamsConfig, reps: state, rotations: { team: rotation }, now });

        // Assess
        const awayNow = (id: string) => state[id]!.calendar.away.some((r) => r.from <= now && now < r.until);
        const blocked = members.filter((m) => m.open >= m.cap || awayUntil(state[m.id]!.calendar, now) !== undefined).map((m) => m.id);
        if (decision.outcome === 'routed') {
          const chosen = members.find((m) => m.id === decision.repId)!;
          expect(awayNow(chosen.id)).toBe(false);
          expect(chosen.open).toBeLessThan(chosen.cap);
          expect(blocked).not.toContain(decision.repId);
        } else {
          expect(blocked.sort()).toEqual(members.map((m) => m.id).sort());
          expect(decision.manager.id).toBe('mgr-x');
        }
        // every blocked rep is explained, with the right reason
        for (const id of blocked) expect(decision.skipped.find((s) => s.repId === id)?.reason).toMatch(/^(away|full)$/);
      }),
      { seed: 1311, numRuns: 300 },
    );
  });

  it('a routed rep is never away at any instant from routing to the deadline the clock then sets', () => {
    const MINUTE = 60_000;
    // Reps with random hours, zones and holidays, each with absences around now (from 3 days before to 10 days after).
    const awayArb = fc.array(
      fc.tuple(fc.integer({ min: -3 * 24 * 60, max: 10 * 24 * 60 }), fc.integer({ min: 1, max: 14 * 24 * 60 })),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        startArb,
        fc.integer({ min: 1, max: 60 }).map((quarters) => quarters / 4),
        fc.array(fc.tuple(calendarArb, awayArb), { minLength: 1, maxLength: 4 }),
        (now, hours, members) => {
          // Prepare
          const ids = members.map((_, i) => teamIds[i]!);
          const teamsConfig = teamsSchema.parse({
            teams: [{ id: 'team', manager: person('mgr-x'), reps: members.map(([cal], i) => rep(ids[i]!, cal.timeZone)) }],
            sender: 'x <x@y.z>',
          });
          const config = routingSchema.parse({ rules: [], defaultTeam: 'team', defaults: { maxOpenLeads: 10 } });
          const state: Record<string, RepState> = Object.fromEntries(
            members.map(([cal, away], i) => [
              ids[i]!,
              { open: 0, calendar: { ...cal, away: away.map(([start, minutes]) => ({ from: new Date(now.getTime() + start * MINUTE), until: new Date(now.getTime() + (start + minutes) * MINUTE) })) } },
            ]),
          );

          // Act
          const decision = routeLead({ traits: {} }, { routing: config, teams: teamsConfig, reps: state, rotations: {}, now, acceptWithinHours: hours });

          // Assess: the clock runs on the rep's calendar without time away (rep-calendars.ts)
          const overlaps = (id: string, until: Date) => state[id]!.calendar.away.some((r) => r.from.getTime() <= until.getTime() && r.until.getTime() > now.getTime());
          const dueBy = (id: string) => new Date(acceptanceWindow({ acceptWithinHours: hours }, now, { ...state[id]!.calendar, away: [] }).acceptBy);
          if (decision.outcome === 'routed') expect(overlaps(decision.repId, dueBy(decision.repId))).toBe(false);
          // and nobody is skipped as away who could have accepted in time, nor queued while someone could
          for (const id of ids) {
            const skip = decision.skipped.find((s) => s.repId === id);
            expect(skip?.reason === 'away').toBe(overlaps(id, dueBy(id)));
            if (skip?.reason === 'away') expect(Date.parse(skip.from!)).toBeLessThanOrEqual(dueBy(id).getTime());
          }
          expect(decision.outcome === 'queued').toBe(ids.every((id) => overlaps(id, dueBy(id))));
        },
      ),
      { seed: 1315, numRuns: 150 },
    );
  }, 30_000);

  it('over many routings each rep gets its share by weight, within one lead', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 200 }), (weights, n) => {
        // Prepare: everyone at work (Wednesday 11:00 Berlin), nobody near a cap
        const members = weights.map((weight, i) => ({ id: teamIds[i]!, weight }));
        const teamsConfig = teamsSchema.parse({ teams: [{ id: 'team', manager: person('mgr-x'), reps: members.map((m) => rep(m.id)) }], sender: 'x <x@y.z>' });
        const config = routingSchema.parse({
          rules: [],
          defaultTeam: 'team',
          defaults: { maxOpenLeads: 1_000 },
          teams: { team: { reps: Object.fromEntries(members.map((m) => [m.id, { weight: m.weight }])) } },
        });
        const state = Object.fromEntries(members.map((m) => [m.id, { open: 0, calendar: repCalendar(repProfile(config, 'team', m.id), 'Europe/Berlin', [], []) }]));
        const counts = new Map<string, number>();
        let rotation: Rotation = {};

        // Act
        for (let i = 0; i < n; i++) {
          const pick = pickRep(teamsConfig.teams[0]!, config, state, rotation, WEDNESDAY);
          counts.set(pick.repId!, (counts.get(pick.repId!) ?? 0) + 1);
          rotation = pick.rotation;
        }

        // Assess: a rep's count differs from its share n·w/W by its credit over W, and the
        // smooth round robin keeps every credit within ±W
        const total = weights.reduce((a, b) => a + b, 0);
        for (const m of members) expect(Math.abs((counts.get(m.id) ?? 0) - (n * m.weight) / total)).toBeLessThanOrEqual(1);
      }),
      { seed: 1312, numRuns: 60 },
    );
  }, 30_000);

  it('draining routes or keeps every queued lead, never drops or doubles one, serves each team oldest first and fills nobody past the cap', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.uniqueArray(fc.record({ id: fc.uuid(), minutesAgo: fc.integer({ min: 0, max: 10_000 }) }), { maxLength: 12, selector: (l) => l.id }),
        ({ now, members, teamsConfig, config, state, rotation }, leads) => {
          // Prepare
          const queued: QueuedLead[] = leads.map((l) => ({ leadId: l.id, teamId: 'team', queuedAt: new Date(now.getTime() - l.minutesAgo * 60_000) }));

          // Act
          const drained = drainQueue(queued, { routing: config, teams: teamsConfig, reps: state, rotations: { team: rotation }, now });

          // Assess
          const out = [...drained.assigned.map((a) => a.leadId), ...drained.waiting.map((l) => l.leadId)];
          expect(out.sort()).toEqual(queued.map((l) => l.leadId).sort());
          const queuedAt = new Map(queued.map((l) => [l.leadId, l.queuedAt.getTime()]));
          const newestServed = Math.max(-Infinity, ...drained.assigned.map((a) => queuedAt.get(a.leadId)!));
          for (const lead of drained.waiting) expect(lead.queuedAt.getTime()).toBeGreaterThanOrEqual(newestServed);
          for (const m of members) {
            const given = drained.assigned.filter((a) => a.repId === m.id).length;
            if (given > 0) expect(m.open + given).toBeLessThanOrEqual(m.cap);
            expect(drained.open[m.id]).toBe(m.open + given);
          }
        },
      ),
      { seed: 1313, numRuns: 200 },
    );
  });

  it('is deterministic: the same inputs give the same decision', () => {
    fc.assert(
      fc.property(scenarioArb, ({ now, teamsConfig, config, state, rotation }) => {
        const input = { routing: config, teams: teamsConfig, reps: state, rotations: { team: rotation }, now };
        expect(routeLead({ traits: {} }, input)).toEqual(routeLead({ traits: {} }, input));
      }),
      { seed: 1314, numRuns: 50 },
    );
  });
});
