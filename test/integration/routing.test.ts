import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teams } from '../../config/index.ts';
import { journeyName } from '../../functions/core/journey.ts';
import type { LeadRoutingView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually } from '../support/local.ts';
import { capturedEmails, leadloop as leadloopOn, leadView, qualify as qualifyOn } from '../support/routing.ts';

/**
 * Routing through the local runtime: a lead goes to a team by a territory
 * rule (config/routing.json), a rep marked away with `leadloop reps away`
 * is skipped, and a lead nobody in its team can take waits in the queue,
 * its manager told once, until `leadloop reps back` hands it out. The lead
 * view says who and why each time.
 */
const CLOCK_SPEED = 60;

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

const emails = () => capturedEmails(runtime);
const leadloop = (...args: string[]) => leadloopOn(runtime, ...args);
const qualify = (anonymousId: string, email: string, name: string, traits: Record<string, unknown> = {}) => qualifyOn(runtime, anonymousId, email, name, traits);
const routingOf = async (leadId: string): Promise<LeadRoutingView | null | undefined> => (await leadView(runtime, leadId))?.routing;

const handoffsOf = async (name: string) => (await emails()).filter((e) => e.subject.startsWith('New lead') && e.subject.includes(name));
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const repEmail = (repId: string) => teams.teams.flatMap((t) => t.reps).find((r) => r.id === repId)!.email;

/** Uma's lead, the one lead this file hands to the Americas team before its queue test. */
let umaLeadId: string | undefined;

describe('routing a qualified lead', () => {
  it('sends a lead from the United States to the Americas team by the territory rule, and the lead view says so', async () => {
    const leadId = await qualify('visitor-us', 'uma@initech.example', 'Uma Stone', { country: 'US' });
    umaLeadId = leadId;

    const handoff = (await eventually('the hand-off email', async () => (await handoffsOf('Uma Stone'))[0]))!;
    const americas = teams.teams.find((t) => t.id === 'sales-americas')!.reps.map((r) => r.email);
    expect(americas).toContain(handoff.destination.to[0]);

    const routing = await eventually('the routing in the lead view', () => routingOf(leadId));
    expect(routing).toMatchObject({ teamId: 'sales-americas', via: 'routing', rule: { id: 'americas', index: 0 } });
    expect(repEmail(routing!.repId!)).toBe(handoff.destination.to[0]);
  });

  it('skips a rep marked away with leadloop reps away, and says why', async () => {
    const away = await leadloop('reps', 'away', 'rep-kim', '--from', day(-1), '--until', day(6));
    expect(away.err).toBe('');
    expect(away.status).toBe(0);
    const listed = await leadloop('reps', 'list');
    expect(listed.out).toMatch(/sales-emea\trep-kim\tKim Closer\t0\/30 open\taway until /);

    const leadId = await qualify('visitor-gb', 'gus@umbrella.example', 'Gus Grey', { country: 'GB' });

    const handoff = (await eventually('the hand-off email', async () => (await handoffsOf('Gus Grey'))[0]))!;
    expect(handoff.destination.to).toEqual([repEmail('rep-sam')]);
    const routing = await eventually('the routing in the lead view', () => routingOf(leadId));
    expect(routing).toMatchObject({ teamId: 'sales-emea', repId: 'rep-sam', rule: { id: 'uk-ie' } });
    // in words, in Kim's zone (her manager gives none), from when to when
    expect(routing!.skipped).toEqual([expect.objectContaining({ repId: 'rep-kim', reason: 'away', says: expect.stringMatching(/^Kim Closer: away from \w+day \d{1,2} \w+( \d{4})?, \d\d:\d\d to \w+day \d{1,2} \w+( \d{4})?, \d\d:\d\d Europe\/Berlin$/) })]);
    // Sam's open lead is counted
    expect((await leadloop('reps', 'list')).out).toMatch(/rep-sam\tSam Seller\t1\/20 open\tavailable/);
  });

  it('refuses unknown reps and bad dates with a clear message, and changes nothing', async () => {
    const unknown = await leadloop('reps', 'away', 'rep-zed', '--from', day(0), '--until', day(1));
    expect(unknown.status).toBe(1);
    expect(unknown.err).toContain('no rep "rep-zed" in config/teams.json');
    const backwards = await leadloop('reps', 'away', 'rep-sam', '--from', day(3), '--until', day(1));
    expect(backwards.status).toBe(2);
    expect(backwards.err).toContain(`--until (${day(1)}) is before --from (${day(3)})`);
    expect((await leadloop('reps', 'list')).out).toMatch(/rep-sam\tSam Seller\t1\/20 open\tavailable$/m);
  });
});

describe('a team nobody in it can take a lead from', () => {
  const name = 'Quinn Queue';
  let leadId: string;

  it('queues the lead and tells the team’s manager once; the journey waits', async () => {
    for (const rep of ['rep-ada', 'rep-ben']) expect((await leadloop('reps', 'away', rep, '--from', day(-1), '--until', day(6))).status).toBe(0);

    leadId = await qualify('visitor-ca', 'quinn@hooli.example', name, { country: 'Canada' });

    const notice = await eventually('the manager’s notice', async () => (await emails()).find((e) => e.subject.startsWith('Waiting for a rep') && e.subject.includes(name)));
    expect(notice.destination.to).toEqual(['lou.manager@example.com']);
    // in words, each in the rep's zone (Lou gives none); no UTC timestamps
    expect(notice.body.text).toMatch(/Ada Account: away from \w+day \d{1,2} \w+( \d{4})?, \d\d:\d\d to \w+day \d{1,2} \w+( \d{4})?, \d\d:\d\d America\/New_York$/m);
    expect(notice.body.text).toMatch(/Ben Booker: away from \w+day \d{1,2} \w+( \d{4})?, \d\d:\d\d to \w+day \d{1,2} \w+( \d{4})?, \d\d:\d\d America\/Chicago$/m);
    expect(notice.body.text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    await eventually('the journey to wait for a rep', async () => journey()?.states.includes('Await rep') || undefined);
    expect(await handoffsOf(name)).toEqual([]);
    const routing = await routingOf(leadId);
    expect(routing).toMatchObject({ teamId: 'sales-americas', repId: null, rule: { id: 'americas' } });
  });

  it('hands the lead out when a rep is back (leadloop reps back), and the manager was told only once', async () => {
    // Ben holds Uma's lead if routing gave it to him (which of Ada and Ben took it depends on who was at work
    // at the time): the file hands the Americas team no other lead, and nobody has decided Uma's
    const umaRep = umaLeadId === undefined ? undefined : (await routingOf(umaLeadId))?.repId;
    expect(['rep-ada', 'rep-ben']).toContain(umaRep);
    const openBefore = Number(/rep-ben\tBen Booker\t(\d+)\/5 open/.exec((await leadloop('reps', 'list')).out)?.[1]);
    expect(openBefore).toBe(umaRep === 'rep-ben' ? 1 : 0);
    const back = await leadloop('reps', 'back', 'rep-ben');
    expect(back.err).toBe('');
    expect(back.out).toContain(`${leadId} → rep-ben`);

    const handoff = await eventually('the hand-off email', async () => (await handoffsOf(name))[0]);
    expect(handoff.destination.to).toEqual([repEmail('rep-ben')]);
    const routing = await eventually('the routing in the lead view', async () => ((await routingOf(leadId))?.repId ? await routingOf(leadId) : undefined));
    expect(routing).toMatchObject({ teamId: 'sales-americas', repId: 'rep-ben', via: 'queue', rule: { id: 'americas' } });
    expect(routing!.skipped).toEqual([expect.objectContaining({ repId: 'rep-ada', reason: 'away' })]);
    await eventually('the journey to wait for acceptance', async () => journey()?.states.includes('Await acceptance') || undefined);
    expect((await emails()).filter((e) => e.subject.startsWith('Waiting for a rep') && e.subject.includes(name))).toHaveLength(1);
    expect((await leadloop('reps', 'list')).out).toMatch(new RegExp(`rep-ben\tBen Booker\t${openBefore + 1}/5 open\tavailable`));
  });

  function journey() {
    return [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, 1));
  }
});
