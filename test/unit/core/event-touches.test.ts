import { describe, expect, it } from 'vitest';
import { campaignOfTouch, campaignsSchema } from '#core/campaigns.ts';
import { applyEvents, EVENT_SOURCE, historyOf, newLead, rescoreLead, withHistory } from '#core/lead.ts';
import { leadSlices } from '#core/report-counts.ts';
import { attributionCounts, SHARE_SLICE } from '#core/reports/attribution-counts.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, model, pageView, stored } from './lead-fixtures.ts';

/**
 * A tracked event a campaign's event rule claims (a webinar attended, an
 * ebook downloaded) is a touch of that campaign, as `leadloop campaigns check`
 * says: recorded where the lead's touches are (applyEvents, historyOf), kept
 * and bounded like the others, credited to the campaign by attribution and
 * counted as a marketing touch.
 */

// the fixtures' clock starts 2026-02-01T09:00Z; the webinar runs in February, the ebook from February on
const campaigns = campaignsSchema.parse({
  campaigns: [
    {
      id: 'webinar-feb',
      name: 'February webinar',
      type: 'event',
      owner: 'events',
      start: '2026-02-01',
      end: '2026-02-28',
      match: { events: [{ event: 'Webinar Attended', properties: { webinarId: 'w-feb' } }] },
    },
    { id: 'ebook', name: 'Scoring ebook', type: 'content', owner: 'content', start: '2026-02-01', match: { events: [{ event: 'Content Downloaded' }] } },
    { id: 'newsletter', name: 'Newsletter', type: 'email', owner: 'email', start: '2026-01-01', match: { utm: [{ source: 'newsletter' }] } },
  ],
});

const tracked = (messageId: string, hours: number, event: string, properties: Record<string, unknown> = {}, fields: Partial<StoredEvent> = {}): StoredEvent =>
  stored(messageId, hours, { type: 'track', event, properties, ...fields });

const attended = (messageId: string, hours: number, fields: Partial<StoredEvent> = {}) => tracked(messageId, hours, 'Webinar Attended', { webinarId: 'w-feb' }, fields);

describe('a tracked event a campaign claims', () => {
  it('is a touch of that campaign when it carries no UTM: recorded with the campaign, of source tracked-event', () => {
    const { lead } = applyEvents(newLead('lead-1', at(0), model), [attended('m-1', 1)], model, campaigns);

    expect(lead.touches).toEqual([{ messageId: 'm-1', at: at(1), source: EVENT_SOURCE, campaignId: 'webinar-feb' }]);
    expect(campaignOfTouch(campaigns, lead.touches[0]!)).toEqual({ id: 'webinar-feb', name: 'February webinar', type: 'event', defined: true });
    // the lead's acquisition slices follow: it came by the webinar
    expect(leadSlices(lead, { campaigns, traits: {} })).toMatchObject({ source: EVENT_SOURCE, campaign: 'webinar-feb' });
  });

  it('is no touch when no rule claims it: another webinar, after the campaign ended, or without the campaigns', () => {
    const events = [
      tracked('m-1', 1, 'Webinar Attended', { webinarId: 'w-other' }),
      // 1 March: the February webinar has ended
      attended('m-2', 28 * 24),
      tracked('m-3', 2, 'Form Submitted', { formId: 'demo' }),
    ];
    expect(applyEvents(newLead('lead-1', at(0), model), events, model, campaigns).lead.touches).toEqual([]);
    expect(applyEvents(newLead('lead-1', at(0), model), [attended('m-4', 1)], model).lead.touches).toEqual([]);
  });

  it('keeps its UTM parameters when it has them, and counts for the campaign that claimed it when that one comes first in the file', () => {
    const event = attended('m-1', 1, { campaign: { source: 'newsletter', medium: 'email', name: 'feb' } });

    const { lead } = applyEvents(newLead('lead-1', at(0), model), [event], model, campaigns);

    expect(lead.touches).toEqual([{ messageId: 'm-1', at: at(1), source: 'newsletter', medium: 'email', campaign: 'feb', campaignId: 'webinar-feb' }]);
    expect(campaignOfTouch(campaigns, lead.touches[0]!).id).toBe('webinar-feb');
    // a plain newsletter visit still counts for the newsletter
    expect(campaignOfTouch(campaigns, { at: at(1), source: 'newsletter' }).id).toBe('newsletter');
  });

  it('is read back from the lead’s events the same way, and one touch however often it is read (its messageId)', () => {
    const events = [pageView('m-0', 0, { campaign: { source: 'newsletter' } }), attended('m-1', 1)];
    const { lead } = applyEvents(newLead('lead-1', at(0), model), events, model, campaigns);

    const history = historyOf(events, campaigns);

    expect(history.touches).toEqual(lead.touches);
    expect(withHistory(lead, history).touches.map((t) => t.messageId)).toEqual(['m-0', 'm-1']);
    expect(historyOf(events).touches.map((t) => t.messageId)).toEqual(['m-0']);
  });

  it('is bounded like other touches: the first kept, then the most recent', () => {
    const events = Array.from({ length: 120 }, (_, i) => tracked(`m-${String(i).padStart(3, '0')}`, i, 'Content Downloaded', { asset: `a-${i}` }));

    const { lead } = applyEvents(newLead('lead-1', at(0), model), events, model, campaigns);

    expect(lead.touches).toHaveLength(100);
    expect(lead.touches[0]!.messageId).toBe('m-000');
    // the first, then the 99 latest of 120: from the 22nd (m-021) on
    expect(lead.touches[1]!.messageId).toBe('m-021');
    expect(lead.touches.every((t) => t.campaignId === 'ebook')).toBe(true);
  });

  it('stays the lead’s first touch through a rescore, which reads no campaigns', () => {
    const events = [attended('m-1', 1), pageView('m-2', 2, { campaign: { source: 'newsletter' } })];
    const { lead } = applyEvents(newLead('lead-1', at(0), model), events, model, campaigns);
    // as the store reads a lead: its first touch only
    const read = { ...lead, touches: lead.touches.slice(0, 1) };

    const rescored = rescoreLead(read, events, model, at(3)).lead;

    expect(rescored.touches.map((t) => [t.messageId, t.campaignId])).toEqual([
      ['m-1', 'webinar-feb'],
      ['m-2', undefined],
    ]);
  });

  it('is credited to its campaign by attribution and makes the deal marketing-touched', () => {
    const { lead } = applyEvents(newLead('lead-1', at(0), model), [attended('m-1', 1)], model, campaigns);
    const opportunityAt = at(48);
    const deal = { ...lead, deal: { stage: 'opportunity' as const, at: opportunityAt, amount: 500, currency: 'EUR' } };

    const counts = attributionCounts(deal, [{ from: 'sql', to: 'opportunity', at: opportunityAt, cause: 'crm' }], campaigns);

    expect(counts.find((c) => c.slice === 'first:campaign=webinar-feb')?.counts).toEqual({ 'pipeline.EUR': 50_000, 'pipeline.deals': 1 });
    expect(counts.find((c) => c.slice === 'linear:campaignType=event')?.counts).toEqual({ 'pipeline.EUR': 50_000, 'pipeline.deals': 1 });
    expect(counts.find((c) => c.slice === SHARE_SLICE)?.counts).toMatchObject({ 'pipeline.touched.deals': 1 });
  });
});
