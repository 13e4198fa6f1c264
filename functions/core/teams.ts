import * as z from './zod.ts';

/** Sales teams, their reps and managers, and who hand-off emails come from. */

const idSchema = z.string().check(z.regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'));

const personSchema = z.strictObject({
  id: idSchema,
  name: z.string().check(z.minLength(1)),
  email: z.email(),
});

export const teamsSchema = z
  .strictObject({
    teams: z
      .array(
        z.strictObject({
          id: idSchema,
          /** a manager's `timeZone` (optional) is where escalation emails show deadlines; else the rep's zone */
          manager: z.extend(personSchema, { timeZone: z.optional(z.string().check(z.minLength(1))) }),
          reps: z.array(z.extend(personSchema, { timeZone: z.string().check(z.minLength(1)) })).check(z.minLength(1)),
        }),
      )
      .check(z.minLength(1)),
    /** the From address of every LeadLoop email, e.g. "LeadLoop <leadloop@example.com>" */
    sender: z.string().check(z.minLength(3)),
  })
  .check(
    z.superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.teams.forEach((team, t) =>
        team.reps.forEach((rep, r) => {
          if (seen.has(rep.id)) ctx.addIssue({ code: 'custom', path: ['teams', t, 'reps', r, 'id'], message: `duplicate rep id "${rep.id}"` });
          seen.add(rep.id);
        }),
      );
    }),
  );

export type TeamsConfig = z.infer<typeof teamsSchema>;
export type Team = TeamsConfig['teams'][number];
export type Rep = Team['reps'][number];
export type Manager = Team['manager'];

export interface Assignment {
  team: Team;
  rep: Rep;
}

/**
 * Picks the rep for a lead's cycle. Round robin over the team, keyed by a hash
 * of the lead and cycle so that a retried assignment picks the same rep;
 * `skip` holds reps who already had this cycle (a reassignment moves on).
 */
export function assignRep(config: TeamsConfig, leadId: string, cycle: number, skip: readonly string[] = []): Assignment {
  const team = config.teams[0]!;
  const candidates = team.reps.filter((rep) => !skip.includes(rep.id));
  // Once every rep had the cycle, start over, but never hand it back to the rep who just missed it.
  const others = team.reps.filter((rep) => rep.id !== skip.at(-1));
  const pool = candidates.length > 0 ? candidates : others.length > 0 ? others : team.reps;
  let hash = cycle;
  for (const char of leadId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const rep = pool[hash % pool.length]!;
  return { team, rep };
}

export function findRep(config: TeamsConfig, repId: string): Assignment | undefined {
  for (const team of config.teams) {
    const rep = team.reps.find((r) => r.id === repId);
    if (rep) return { team, rep };
  }
  return undefined;
}
