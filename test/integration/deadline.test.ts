import { describe, expect, it } from 'vitest';
import { teams } from '../../config/index.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { Execution } from '../../local/step-functions.ts';
import { acceptanceBudgetMs } from '../support/business-hours.ts';
import { acceptUrlOf, useDeadlineRuntime } from '../support/deadline.ts';
import { eventually } from '../support/local.ts';

/**
 * A rep's decision against the acceptance deadline, through the local
 * runtime with the fast clock. The ladder of config/service-agreement.json
 * is: tell the manager, reassign, recycle. (deadline-late.test.ts: a decision
 * made after the ladder moved the lead on.)
 *
 * "Just before the reassignment" is made deterministic without racing the
 * clock: the stream is held while the rep accepts and while the
 * reassignment deadline passes, so the decision is still waiting in the
 * stream when the escalation runs, which is the case that lost decisions.
 */
const local = useDeadlineRuntime();
const { emails, handoffsOf, qualify, readLead, journeyOf } = local;

describe('an accept made before the reassignment deadline, still in the stream when the deadline fires', () => {
  it('wins: the lead stays with the rep, nobody else gets it, and the journey ends accepted once', async () => {
    // Prepare: the hand-off, then the first missed deadline (the manager is told; the rep keeps the lead)
    const leadId = leadIdFor('anon:visitor-lena');
    await qualify('visitor-lena', 'lena@initech.example', 'Lena Park');
    const [handoff] = await eventually('the hand-off email', async () => ((await handoffsOf('Lena Park')).length > 0 ? handoffsOf('Lena Park') : undefined));
    const rep = handoff!.destination.to[0];
    const repId = teams.teams[0]!.reps.find((r) => r.email === rep)!.id;
    await eventually('the manager to be told', async () => (await emails()).find((e) => e.subject.startsWith('Escalation') && e.subject.includes('Lena Park')), acceptanceBudgetMs(local.runtime, repId, 1));
    // The fresh window's reminder (at 75%): a decision made before it is picked up by the wait after it,
    // so the accept comes after it, in the last quarter of the window, as the deadline nears.
    await eventually('the second window’s reminder', async () => ((await emails()).filter((e) => e.subject.startsWith('Reminder') && e.subject.includes('Lena Park')).length > 1 ? true : undefined), acceptanceBudgetMs(local.runtime, repId, 1));

    // Act: the stream is held, the rep accepts, and the reassignment deadline passes
    await local.runtime.streams.hold();
    let page: Response;
    let pageText: string;
    let journey: Pick<Execution, 'status' | 'states'>;
    try {
      page = await fetch(acceptUrlOf(handoff!), { method: 'POST', headers: { accept: 'text/html' } });
      pageText = await page.text();
      journey = await eventually(
        'the journey to get past the reassignment deadline',
        async () => {
          const execution = journeyOf(leadId);
          const reassigned = (execution?.states.filter((s) => s === 'Send hand-off').length ?? 0) > 1;
          const followingUp = execution?.states.includes('Await follow-up') ?? false;
          return execution && (execution.status !== 'RUNNING' || reassigned || followingUp) ? { status: execution.status, states: [...execution.states] } : undefined;
        },
        acceptanceBudgetMs(local.runtime, repId, 1),
      );
    } finally {
      local.runtime.streams.release();
    }

    // Assess: the decision stood through the deadline; then the stream moved the lead's stage
    expect(page.status).toBe(200);
    expect(pageText).toContain('Lead accepted');
    expect(journey.states.filter((s) => s === 'Escalate')).toHaveLength(2);
    expect(journey.states.filter((s) => s === 'Send hand-off')).toHaveLength(1);
    // accepted: the journey goes on to follow up (the sales clocks), not to a recycle
    expect(journey.status).toBe('RUNNING');
    expect(journey.states).toContain('Follow up');
    expect(journey.states).not.toContain('Recycled to marketing');
    const lead = await eventually('the lead to reach SAL', async () => {
      const view = await readLead(leadId);
      return view?.stage === 'mql' ? undefined : view;
    });
    expect(lead.stage).toBe('sal');
    expect(lead.owner?.repId).toBe(teams.teams[0]!.reps.find((r) => r.email === rep)!.id);
    expect(lead.stageHistory.filter((c) => c.to === 'sal')).toHaveLength(1);
    const handoffs = await handoffsOf('Lena Park');
    expect(handoffs.map((e) => e.destination.to[0])).toEqual([rep]);
  }, 240_000);
});
