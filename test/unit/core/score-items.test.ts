import { describe, expect, it } from 'vitest';
import { applyEvents, newLead } from '#core/lead.ts';
import { allMarkers, foldForSave, ledgerCovers, ledgerOfItems, markersToWrite, scoreUnlessUnscored } from '#core/score-items.ts';
import { lookBackDays } from '#core/scoring.ts';
import { at, model, pageView, stored } from './lead-fixtures.ts';

/** What of a lead's ledger each stored item holds (pure): markers, the folded score, reading them back. */
describe('score items', () => {
  const clicks = Array.from({ length: 5 }, (_, i) => stored(`click-${i}`, i * 24, { type: 'track', event: 'Email Clicked' }));
  const lead = applyEvents(newLead('lead-a', at(0), model), clicks, model).lead;

  it('a marker per applied event, with the entries it earned; none for an event that earned nothing', () => {
    const webinar = stored('webinar-1', 200, { type: 'track', event: 'Webinar Attended' });
    const after = applyEvents(lead, [webinar], model).lead;

    expect(markersToWrite(lead.ledger, after.ledger, [{ messageId: 'webinar-1', at: webinar.timestamp }])).toEqual([{ messageId: 'webinar-1', at: webinar.timestamp, entries: [] }]);
    expect(allMarkers(lead.ledger, clicks.map((c) => ({ messageId: c.messageId, at: c.timestamp }))).map((m) => [m.messageId, m.entries.map((e) => e.points)])).toEqual([
      ['click-0', [3]],
      ['click-1', [3]],
      ['click-2', [3]],
      ['click-3', [0]],
      ['click-4', [0]],
    ]);
  });

  it('the markers of earlier events a late one re-allocated, besides its own', () => {
    const late = stored('click-late', -1, { type: 'track', event: 'Email Clicked' });
    const after = applyEvents(lead, [late], model).lead;

    const markers = markersToWrite(lead.ledger, after.ledger, [{ messageId: 'click-late', at: late.timestamp }]);

    // the late click takes 3 of the 9-point cap: the third click gives its 3 back
    expect(markers.map((m) => [m.messageId, m.entries.map((e) => e.points)])).toEqual([
      ['click-late', [3]],
      ['click-2', [0]],
    ]);
  });

  it('folds before the horizon of the score and reads back the same ledger from the folded part and the markers since', () => {
    const many = Array.from({ length: 60 }, (_, i) => pageView(`view-${i}`, i * 24));
    const whole = applyEvents(newLead('lead-b', at(0), model), many, model).lead;

    const saved = foldForSave(whole, model);
    const from = saved.ledgerFrom!;
    const markers = allMarkers(whole.ledger, many.map((e) => ({ messageId: e.messageId, at: e.timestamp }))).filter((m) => m.at >= from);

    expect(saved.ledger.filter((e) => e.events !== undefined)).toHaveLength(1);
    expect(ledgerOfItems(saved.ledger.filter((e) => e.events !== undefined), markers)).toEqual(saved.ledger);
    // an event within LATE_EVENT_DAYS of the latest is scored against it; an earlier one needs the whole ledger
    expect(ledgerCovers(saved, model, at(59 * 24 - 48))).toBe(true);
    expect(ledgerCovers(saved, model, at(59 * 24 - 49))).toBe(false);
    expect(Date.parse(from)).toBe(Date.parse(at(59 * 24)) - (lookBackDays(model) + 2) * 86_400_000);
  });

  it('keeps the score as it was when the events earned nothing and moved nothing, so only their markers are written', () => {
    const webinar = stored('webinar-2', 200, { type: 'track', event: 'Webinar Attended' });
    const after = applyEvents(lead, [webinar], model).lead;
    const markers = markersToWrite(lead.ledger, after.ledger, [{ messageId: 'webinar-2', at: webinar.timestamp }]);

    expect(after.scoredAt).not.toBe(lead.scoredAt);
    expect(scoreUnlessUnscored(lead, after, markers, [])).toMatchObject({ scoredAt: lead.scoredAt, engagement: lead.engagement, ledger: lead.ledger });
    // but not when they earned points, moved a stage or changed the profile
    const click = stored('click-9', 300, { type: 'track', event: 'Email Clicked' });
    const clicked = applyEvents(lead, [click], model).lead;
    expect(scoreUnlessUnscored(lead, clicked, markersToWrite(lead.ledger, clicked.ledger, [{ messageId: 'click-9', at: click.timestamp }]), [])).toBe(clicked);
    expect(scoreUnlessUnscored(lead, after, markers, [{ from: 'known', to: 'engaged' }])).toBe(after);
    const identified = { ...after, email: 'dana@acme.example' };
    expect(scoreUnlessUnscored(lead, identified, markers, [])).toBe(identified);
  });
});
