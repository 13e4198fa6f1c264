import { describe, expect, it } from 'vitest';
import { campaigns, feedback } from '../../../config/index.ts';
import { digestConfigSchema } from '../../../functions/core/digest-config.ts';
import type { EmailToSend, SendResult } from '../../../functions/core/emails.ts';
import { checkDashboardToken } from '../../../functions/core/links.ts';
import { digestComments, digestStalled, sendWeeklyDigest, type WeeklyDigestPorts } from '../../../functions/digest/weekly-digest.ts';
import { teams } from '../../../config/index.ts';

/**
 * The digest use case with in-memory ports: which days it asks the reports
 * for, what it sends to whom under which idempotency key, and the link it signs.
 */
const SIGNING_KEY = 'signing-key';
const digest = digestConfigSchema.parse({ recipients: ['cmo@example.com', 'vp-sales@example.com'], timeZone: 'Europe/Berlin', dashboardLinkDays: 14 });
const sentAt = new Date('2026-03-09T07:00:05.000Z');

function ports(counts: Record<string, Record<string, Record<string, number>>>) {
  const reads: { days: readonly string[]; dimension: string }[] = [];
  const sent: EmailToSend[] = [];
  const claimed = new Set<string>();
  const value: WeeklyDigestPorts = {
    digest,
    campaigns,
    feedback,
    funnel: {
      getFunnelCounters: async () => ({ reached: {}, current: {} }),
      // the counts of a day per dimension value, summed over the days asked
      sliceCounts: async (_family, days, dimension) => {
        reads.push({ days, dimension });
        const sums = new Map<string, Record<string, number>>();
        for (const day of days) {
          for (const [slice, c] of Object.entries(counts[day] ?? {})) {
            const [d, v] = slice.split('=') as [string, string];
            if (d !== dimension) continue;
            const sum = sums.get(v) ?? {};
            for (const [name, n] of Object.entries(c)) sum[name] = (sum[name] ?? 0) + n;
            sums.set(v, sum);
          }
        }
        return sums;
      },
      now: () => sentAt,
      campaigns,
      traitNames: [],
    },
    dashboardUrl: 'https://api.example.test/dashboard',
    linkSigningKey: async () => SIGNING_KEY,
    now: () => sentAt,
    sendEmailOnce: async (email): Promise<SendResult> => {
      if (claimed.has(email.idempotencyKey)) return { sent: false, reason: 'already-sent' };
      claimed.add(email.idempotencyKey);
      sent.push(email);
      return { sent: true, messageId: `m-${sent.length}` };
    },
  };
  return { value, reads, sent };
}

describe('the weekly digest use case', () => {
  it('reads the week’s days (Monday to Sunday) and the week before from the funnel report, whole and by campaign', async () => {
    const { value, reads } = ports({});
    await sendWeeklyDigest({ scheduledAt: sentAt }, value);
    const week = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08'];
    const before = ['2026-02-23', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01'];
    expect(reads).toEqual(expect.arrayContaining([{ days: week, dimension: 'all' }, { days: before, dimension: 'all' }, { days: week, dimension: 'campaign' }]));
  });

  it('sends one email to every recipient under the week’s key, and nothing the second time', async () => {
    const { value, sent } = ports({ '2026-03-04': { 'all=all': { 'reached.mql': 2, 'won.count': 1, 'revenue.EUR': 100_000 }, 'campaign=search-brand-2026': { 'won.count': 1, 'revenue.EUR': 100_000 } }, '2026-03-09': { 'all=all': { 'reached.mql': 50 } } });
    const first = await sendWeeklyDigest({ scheduledAt: sentAt }, value);
    const retried = await sendWeeklyDigest({ scheduledAt: new Date('2026-03-09T09:00:00Z') }, value);
    expect(first).toMatchObject({ sent: true, week: { from: '2026-03-02', to: '2026-03-09' } });
    expect(retried).toMatchObject({ sent: false, reason: 'already-sent' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: digest.recipients, idempotencyKey: 'digest#2026-03-02', subject: 'LeadLoop weekly digest, 2 to 8 March 2026: 2 MQLs, 1 deal won' });
    expect(sent[0]!.text).toContain('  - search-brand-2026: 1 deal won (€1,000)');
  });

  it('sends again when forced, under another key', async () => {
    const { value, sent } = ports({});
    await sendWeeklyDigest({ scheduledAt: sentAt }, value);
    const forced = await sendWeeklyDigest({ scheduledAt: sentAt, force: true }, value);
    expect(forced.sent).toBe(true);
    expect(sent.map((e) => e.idempotencyKey)).toEqual(['digest#2026-03-02', `digest#2026-03-02#forced#${sentAt.toISOString()}`]);
  });

  it('links to the dashboard with a token that works for the configured days', async () => {
    const { value } = ports({});
    const { input } = await sendWeeklyDigest({ scheduledAt: sentAt }, value);
    const token = input.dashboard.url.split('#link=')[1]!;
    expect(input.dashboard.url.startsWith('https://api.example.test/dashboard#link=dl1.')).toBe(true);
    expect(input.dashboard.expiresAt.toISOString()).toBe('2026-03-23T07:00:05.000Z');
    expect(checkDashboardToken(token, SIGNING_KEY, new Date('2026-03-23T07:00:04Z')).status).toBe('valid');
    expect(checkDashboardToken(token, SIGNING_KEY, new Date('2026-03-23T07:00:05Z')).status).toBe('expired');
  });

  it('lists stalled leads by name (else email, else id) with their owner’s name, and quotes comments with the rep’s name', () => {
    const rep = teams.teams[0]!.reps[0]!;
    const stalled = digestStalled(
      {
        more: true,
        leads: [
          { leadId: 'l-1', name: 'Dana Buyer', company: 'Acme', email: 'dana@acme.example', stage: 'sal', since: '2026-02-01T09:00:00Z', hoursInStage: 700, limit: { hours: 336, from: 'followUp' }, owner: { teamId: teams.teams[0]!.id, repId: rep.id } },
          { leadId: 'l-2', name: null, company: null, email: null, stage: 'mql', since: '2026-03-01T09:00:00Z', hoursInStage: 30, limit: { hours: 4, from: 'acceptWithinHours' }, owner: null },
        ],
      } as Parameters<typeof digestStalled>[0],
      teams,
    );
    expect(stalled).toEqual({
      more: true,
      leads: [
        { lead: 'Dana Buyer', company: 'Acme', stage: 'sal', since: '2026-02-01T09:00:00Z', owner: rep.name },
        { lead: 'l-2', stage: 'mql', since: '2026-03-01T09:00:00Z' },
      ],
    });
    const comments = digestComments([{ at: '2026-03-05T10:00:00Z', leadId: 'l-1', cycle: 1, occasion: 'rejected', rating: 2, repId: rep.id, teamId: null, comment: 'No budget this year' }], teams);
    expect(comments).toEqual([{ at: '2026-03-05T10:00:00Z', rep: rep.name, rating: 2, comment: 'No budget this year' }]);
  });
});
