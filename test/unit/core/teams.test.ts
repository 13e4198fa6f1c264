import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignRep, findRep, teamsSchema, type TeamsConfig } from '#core/teams.ts';

const person = (id: string) => ({ id, name: `Name of ${id}`, email: `${id}@example.com` });
const rep = (id: string) => ({ ...person(id), timeZone: 'Europe/London' });

const config: TeamsConfig = teamsSchema.parse({
  teams: [
    { id: 'sales-emea', manager: person('mgr-ana'), reps: [rep('rep-sam'), rep('rep-kim'), rep('rep-lou')] },
    { id: 'sales-us', manager: person('mgr-bo'), reps: [rep('rep-max')] },
  ],
  sender: 'LeadLoop <leadloop@example.com>',
});

function issuesOf(value: unknown): { path: string; message: string }[] {
  const result = teamsSchema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the teams schema', () => {
  it('refuses a rep id used twice, even across teams, naming the second one', () => {
    // Prepare
    const value = {
      teams: [
        { id: 'a', manager: person('mgr-a'), reps: [rep('rep-sam')] },
        { id: 'b', manager: person('mgr-b'), reps: [rep('rep-kim'), rep('rep-sam')] },
      ],
      sender: 'LeadLoop <leadloop@example.com>',
    };

    // Act
    const issues = issuesOf(value);

    // Assess
    expect(issues).toEqual([{ path: 'teams.1.reps.1.id', message: 'duplicate rep id "rep-sam"' }]);
  });

  it.each([
    ['a team without reps', { teams: [{ id: 'a', manager: person('mgr-a'), reps: [] }], sender: 'x <x@y.z>' }, 'teams.0.reps'],
    ['no teams', { teams: [], sender: 'x <x@y.z>' }, 'teams'],
    [
      'a rep email that is not an address',
      { teams: [{ id: 'a', manager: person('mgr-a'), reps: [{ ...rep('rep-a'), email: 'sam at example' }] }], sender: 'x <x@y.z>' },
      'teams.0.reps.0.email',
    ],
    [
      'a rep without a time zone',
      { teams: [{ id: 'a', manager: person('mgr-a'), reps: [person('rep-a')] }], sender: 'x <x@y.z>' },
      'teams.0.reps.0.timeZone',
    ],
    ['an upper-case team id', { teams: [{ id: 'EMEA', manager: person('mgr-a'), reps: [rep('rep-a')] }], sender: 'x <x@y.z>' }, 'teams.0.id'],
    ['a missing sender', { teams: [{ id: 'a', manager: person('mgr-a'), reps: [rep('rep-a')] }] }, 'sender'],
  ])('refuses %s, naming the field', (_, value, path) => {
    // Prepare / Act
    const issues = issuesOf(value);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
  });
});

describe('assigning a rep', () => {
  it('picks the same rep again for the same lead and cycle', () => {
    // Prepare / Act
    const first = assignRep(config, 'lead-0123456789abcdef0123', 1);
    const again = assignRep(config, 'lead-0123456789abcdef0123', 1);

    // Assess
    expect(again.rep.id).toBe(first.rep.id);
    expect(first.team.reps).toContainEqual(first.rep);
  });

  it('spreads leads over every rep of the team', () => {
    // Prepare
    const leadIds = Array.from({ length: 60 }, (_, i) => `lead-${i}`);

    // Act
    const picked = new Set(leadIds.map((id) => assignRep(config, id, 1).rep.id));

    // Assess
    expect(picked).toEqual(new Set(['rep-sam', 'rep-kim', 'rep-lou']));
  });

  it('skips reps who already had the cycle', () => {
    // Prepare
    const first = assignRep(config, 'lead-1', 1);

    // Act
    const second = assignRep(config, 'lead-1', 1, [first.rep.id]);
    const third = assignRep(config, 'lead-1', 1, [first.rep.id, second.rep.id]);

    // Assess
    expect(new Set([first.rep.id, second.rep.id, third.rep.id]).size).toBe(3);
  });

  it('moves on from the most recent rep even when every rep already had the cycle (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 50 }), fc.array(fc.constantFrom('rep-sam', 'rep-kim', 'rep-lou'), { minLength: 1 }), (leadId, cycle, skip) => {
        // Prepare: the last of `skip` holds the lead now

        // Act
        const { rep: picked } = assignRep(config, leadId, cycle, skip);

        // Assess
        expect(picked.id).not.toBe(skip.at(-1));
        if (new Set(skip).size < 3) expect(skip).not.toContain(picked.id);
      }),
    );
  });

  it('gives the only rep of a one-rep team the lead, whoever had it', () => {
    // Prepare
    const solo: TeamsConfig = { teams: [config.teams[1]!], sender: config.sender };

    // Act
    const { rep: picked } = assignRep(solo, 'lead-1', 1, ['rep-max']);

    // Assess
    expect(picked.id).toBe('rep-max');
  });
});

describe('finding a rep', () => {
  it('finds a rep with their team, in any team', () => {
    // Prepare / Act
    const found = findRep(config, 'rep-max');

    // Assess
    expect(found?.rep.id).toBe('rep-max');
    expect(found?.team.id).toBe('sales-us');
    expect(found?.team.manager.id).toBe('mgr-bo');
  });

  it('finds nobody for an unknown rep id', () => {
    // Prepare / Act / Assess
    expect(findRep(config, 'rep-nobody')).toBeUndefined();
  });
});
