import { describe, expect, it } from 'vitest';
import { decisionVerdict, escalationStanding, type CycleDecisionFacts, type DecisionRequest } from '#core/decisions.ts';
import { decisionForm, renderDecisionPage } from '#core/emails.ts';
import type { Lead } from '#core/lead.ts';
import type { Outcome } from '#core/outcomes.ts';

const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:00.000Z' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:00:00.000Z' };
const mql: Pick<Lead, 'cycle' | 'stage' | 'owner'> = { cycle: 1, stage: 'mql', owner: sam };
const open: CycleDecisionFacts = { owner: sam };
const accept: DecisionRequest = { kind: 'accepted', cycle: 1, repId: 'rep-sam' };
const reject: DecisionRequest = { kind: 'rejected', cycle: 1, repId: 'rep-sam', reason: 'Not a fit' };
const accepted: Outcome = { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:29:00.000Z' };
const rejected: Outcome = { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z', reason: 'No budget' };
const samMissed = { repId: 'rep-sam', acceptBy: '2026-03-01T17:00:00.000Z', at: '2026-03-01T17:01:00.000Z' };

describe('the verdict on a rep’s decision', () => {
  it('is open while the rep owns the cycle and nothing is recorded', () => {
    expect(decisionVerdict(mql, open, accept)).toEqual({ kind: 'open' });
    expect(decisionVerdict(mql, open, reject)).toEqual({ kind: 'open' });
  });

  it('is a repeat when the rep already made the same decision, whatever the stage says now', () => {
    expect(decisionVerdict({ ...mql, stage: 'sql' }, { owner: sam, outcome: accepted }, accept)).toEqual({ kind: 'repeated', outcome: accepted });
    expect(decisionVerdict({ ...mql, stage: 'recycled' }, { owner: sam, outcome: rejected }, reject)).toEqual({ kind: 'repeated', outcome: rejected });
  });

  it('is a contradiction when the rep already decided the other way, even before the stage moved', () => {
    expect(decisionVerdict(mql, { owner: sam, outcome: accepted }, reject)).toEqual({ kind: 'contradicted', outcome: accepted });
    expect(decisionVerdict(mql, { owner: sam, outcome: rejected }, accept)).toEqual({ kind: 'contradicted', outcome: rejected });
  });

  it('says the rep was reassigned, with their own latest handover, once another rep owns the cycle', () => {
    const earlier = { repId: 'rep-sam', acceptBy: '2026-03-01T08:00:00.000Z', at: '2026-03-01T08:01:00.000Z' };
    const cycle: CycleDecisionFacts = { owner: kim, reassignments: [earlier, { repId: 'rep-lou', acceptBy: 'x', at: 'y' }, samMissed] };
    expect(decisionVerdict({ ...mql, owner: kim }, cycle, accept)).toEqual({ kind: 'reassigned', handover: samMissed });
  });

  it('says the rep was reassigned even when the new owner has decided since', () => {
    const cycle: CycleDecisionFacts = { owner: kim, reassignments: [samMissed], outcome: { ...accepted, repId: 'rep-kim' } };
    expect(decisionVerdict({ ...mql, stage: 'sal', owner: kim }, cycle, accept)).toEqual({ kind: 'reassigned', handover: samMissed });
  });

  it('is closed for a rep who never owned the cycle', () => {
    expect(decisionVerdict(mql, open, { ...accept, repId: 'rep-kim' })).toEqual({ kind: 'closed', reason: 'the lead is no longer assigned to you' });
  });

  it('says the lead went back to marketing when the ladder ran out', () => {
    const handover = { repId: 'rep-sam', acceptBy: '2026-03-02T01:00:00.000Z', at: '2026-03-02T01:00:30.000Z' };
    expect(decisionVerdict(mql, { owner: sam, recycled: handover }, accept)).toEqual({ kind: 'recycled', handover });
  });

  it('is closed for a link from an earlier cycle, a lead that left MQL otherwise, or a cycle not written yet', () => {
    expect(decisionVerdict({ ...mql, cycle: 2 }, open, accept)).toEqual({ kind: 'closed', reason: 'this hand-off belongs to an earlier cycle of the lead' });
    expect(decisionVerdict({ ...mql, stage: 'disqualified' }, open, accept)).toEqual({ kind: 'closed', reason: 'the lead was already handled (stage disqualified)' });
    expect(decisionVerdict(mql, undefined, accept)).toEqual({ kind: 'closed', reason: 'this hand-off is not open yet' });
  });
});

describe('whether an escalation is still to be taken', () => {
  it('stands down for a recorded decision, repeats only effects on a retry, and is due otherwise', () => {
    expect(escalationStanding({ missed: 1, outcome: accepted }, 2)).toBe('decided');
    expect(escalationStanding({ missed: 2 }, 2)).toBe('taken');
    expect(escalationStanding({ missed: 2, recycled: samMissed }, 3)).toBe('taken');
    expect(escalationStanding({ missed: 1 }, 2)).toBe('due');
  });
});

describe('the page a rep sees', () => {
  it('promises no clock the journey does not run: accepting says the lead is the rep’s, nothing about a first-contact clock', () => {
    const form = decisionForm('accepted');
    const page = renderDecisionPage({ kind: 'recorded', outcome: accepted }, { ...accept, posted: true });

    expect(form).toContain('The lead becomes yours.');
    expect(page.html).toContain('The lead is yours.');
    expect(`${form} ${page.html}`).not.toMatch(/clock/i);
  });

  const posted = (request: DecisionRequest) => ({ ...request, posted: true });

  it('confirms a recorded rejection with the stored reason, escaped', () => {
    const outcome: Outcome = { ...rejected, reason: '<b>No</b> budget' };
    const page = renderDecisionPage({ kind: 'recorded', outcome }, posted({ ...reject, reason: '<b>No</b> budget' }));
    expect(page.statusCode).toBe(200);
    expect(page.title).toBe('Lead sent back to marketing');
    expect(page.html).toContain('Your reason (“&#60;b&#62;No&#60;/b&#62; budget”) was recorded for marketing.');
    expect(page.html).not.toContain('<b>No</b>');
  });

  it('says a rejection posted after an acceptance was not recorded, with the acceptance’s time', () => {
    const page = renderDecisionPage({ kind: 'contradicted', outcome: accepted }, posted(reject));
    expect(page.statusCode).toBe(409);
    expect(page.html).toContain('This lead was already accepted by you at 2026-03-01 10:29 UTC. Your rejection was not recorded.');
    expect(page.html).not.toContain('Your reason');
  });

  it('says the earlier reason was kept when the rep rejects again with another', () => {
    const page = renderDecisionPage({ kind: 'repeated', outcome: rejected }, posted(reject));
    expect(page.statusCode).toBe(200);
    expect(page.html).toContain(
      'You already sent this lead back to marketing at 2026-03-01 10:00 UTC. Your earlier reason (“No budget”) was kept; the new one (“Not a fit”) was not recorded.',
    );
  });

  it('says nothing changed when the same rejection is opened again', () => {
    const page = renderDecisionPage({ kind: 'repeated', outcome: rejected }, { ...reject, reason: undefined, posted: false } as DecisionRequest & { posted: boolean });
    expect(page.html).toContain('You already sent this lead back to marketing at 2026-03-01 10:00 UTC, with the reason “No budget”. Nothing changed.');
  });

  it('says when the lead was reassigned and which window ended; opening the link only reports it', () => {
    const verdict = { kind: 'reassigned', handover: samMissed } as const;
    const afterPost = renderDecisionPage(verdict, posted(accept));
    expect(afterPost.statusCode).toBe(409);
    expect(afterPost.html).toContain(
      'This lead was reassigned to another rep at 2026-03-01 17:01 UTC because the acceptance window ended at 2026-03-01 17:00 UTC. Your acceptance was not recorded.',
    );
    expect(renderDecisionPage(verdict, { ...accept, posted: false }).html).not.toContain('was not recorded');
  });

  it('says the lead went back to marketing and why', () => {
    const page = renderDecisionPage({ kind: 'recycled', handover: samMissed }, posted(accept));
    expect(page.html).toContain('This lead went back to marketing at 2026-03-01 17:01 UTC because it was not accepted by 2026-03-01 17:00 UTC. Your acceptance was not recorded.');
  });

  it('shows the form only while the decision is open', () => {
    expect(renderDecisionPage({ kind: 'open' }, { ...accept, posted: false }, '<form>').html).toContain('<form>');
    expect(renderDecisionPage({ kind: 'repeated', outcome: accepted }, { ...accept, posted: false }, '<form>').html).not.toContain('<form>');
  });
});
