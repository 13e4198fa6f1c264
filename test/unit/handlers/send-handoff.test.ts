import { describe, expect, it } from 'vitest';
import type { JourneyAssignment, JourneyState } from '../../../functions/core/journey.ts';
import { signLink } from '../../../functions/core/links.ts';
import { sendHandoff } from '../../../functions/journey/send-handoff.ts';
import { mqlLead } from './fixtures.ts';
import { InMemoryJourney } from './in-memory-journey.ts';

const SIGNING_KEY = 'handoff-signing-key';
const lead = mqlLead();
const LEAD_ID = lead.leadId;

const assignment: JourneyAssignment = {
  repId: 'rep-sam',
  teamId: 'sales-emea',
  previousReps: [],
  acceptBy: '2026-03-01T14:00:00.000Z',
  remindAt: '2026-03-01T13:00:00.000Z',
  remindWithinSeconds: 10_800,
  acceptWithinSeconds: 14_400,
};

function world(): InMemoryJourney {
  const store = new InMemoryJourney(new Date('2026-03-01T10:00:00.000Z'), SIGNING_KEY);
  store.putLead(lead, 4);
  return store;
}

function handoff(store: InMemoryJourney, state: Partial<JourneyState & { assignment: JourneyAssignment }> = {}) {
  return sendHandoff({ leadId: LEAD_ID, cycle: 1, assignment, ...state }, store.ports);
}

const handoffKey = (repId: string) => `${LEAD_ID}#1#handoff#${repId}`;

/** Links made at 2026-03-01T10:00:00Z work for 30 days: until 2026-03-31T10:00:00Z. */
const EXP = Date.parse('2026-03-31T10:00:00.000Z') / 1000;

function linkFor(action: 'accept' | 'reject' | 'contacted', repId = 'rep-sam'): string {
  const sig = signLink({ leadId: LEAD_ID, cycle: 1, repId, action, exp: EXP }, SIGNING_KEY);
  return `https://api.example.test/v1/handoffs/${LEAD_ID}/1/${action}?rep=${repId}&exp=${EXP}&sig=${sig}`;
}

describe('send-handoff journey step', () => {
  it('emails the owner once per cycle, with signed one-click links', async () => {
    // Prepare
    const store = world();

    // Act
    const result = await handoff(store);
    const retried = await handoff(store);

    // Assess
    expect(result).toEqual({ handoff: 'sent' });
    expect(retried).toEqual({ handoff: 'already-sent' });
    expect(store.sent).toHaveLength(1);
    const [email] = store.sent;
    expect(email).toMatchObject({ to: 'sam.seller@example.com', idempotencyKey: handoffKey('rep-sam') });
    expect(email!.subject).toContain('Dana Buyer (Acme Corp)');
    expect(email!.text).toContain(`Accept: ${linkFor('accept')}`);
    expect(email!.text).toContain(`Reject: ${linkFor('reject')}`);
    expect(email!.text).toContain(`tell us you contacted them: ${linkFor('contacted')}`);
    expect(email!.text).toContain('These links work until Tuesday 31 March, 11:00 Europe/London.');
    expect(email!.html).toContain('These links work until Tuesday 31 March, 11:00 Europe/London.');
  });

  it('sends nothing when the idempotency record says the email was already sent', async () => {
    const store = world();
    store.emailRecords.set(handoffKey('rep-sam'), 'sent');

    const result = await handoff(store);

    expect(result).toEqual({ handoff: 'already-sent' });
    expect(store.sent).toEqual([]);
  });

  it('fails with EmailOutcomeUnknownError, without sending again, when an earlier attempt never recorded its outcome', async () => {
    const store = world();
    store.emailRecords.set(handoffKey('rep-sam'), 'sending');

    await expect(handoff(store)).rejects.toMatchObject({ name: 'EmailOutcomeUnknownError' });

    expect(store.sent).toEqual([]);
    expect(store.emailRecords.get(handoffKey('rep-sam'))).toBe('sending');
  });

  it('hands a reassigned lead to the new owner, saying it was reassigned', async () => {
    const store = world();

    const result = await handoff(store, { assignment: { ...assignment, repId: 'rep-kim', previousReps: ['rep-sam'] } });

    expect(result).toEqual({ handoff: 'sent' });
    expect(store.sent).toHaveLength(1);
    const [email] = store.sent;
    expect(email).toMatchObject({ to: 'kim.closer@example.com', idempotencyKey: handoffKey('rep-kim') });
    expect(email!.text).toContain('reassigned to you');
    expect(email!.text).toContain(`Accept: ${linkFor('accept', 'rep-kim')}`);
  });

  it('fails without emailing anyone when the lead does not exist', async () => {
    const store = new InMemoryJourney(new Date('2026-03-01T10:00:00.000Z'), SIGNING_KEY);

    await expect(handoff(store)).rejects.toThrow(`lead ${LEAD_ID} does not exist`);

    expect(store.reads).toEqual([`lead ${LEAD_ID}`]);
    expect(store.sent).toEqual([]);
    expect(store.emailRecords.size).toBe(0);
  });
});
