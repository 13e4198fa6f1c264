import { describe, expect, it, vi } from 'vitest';
import { readingHistory } from '../../../functions/adapters/lead-history.ts';
import { newLead, type ActivityItem, type Touch } from '../../../functions/core/lead.ts';
import type { LeadHistoryView } from '../../../functions/core/lead.ts';
import type { VersionedLead } from '../../../functions/core/records.ts';
import { scoringModel } from '../../../config/index.ts';

const activity = (messageId: string, at: string): ActivityItem => ({ messageId, at, type: 'page', label: `Viewed ${messageId}` });
const touch = (messageId: string, at: string): Touch => ({ messageId, at, source: 'newsletter', medium: 'email' });

describe('a lead read with its recent history', () => {
  it('shows only the events its score counts: one applied after the lead was read waits for the next read', async () => {
    // Prepare: the lead was read with `seen` (after its ledgerFrom) and `old` (folded before it); `new` was applied after
    const lead = { ...newLead('lead-0123456789abcdef0123', '2026-03-01T00:00:00.000Z', scoringModel), ledgerFrom: '2026-03-02T00:00:00.000Z' };
    const getLead = vi.fn(async (): Promise<VersionedLead> => ({ lead, version: 3, profileVersion: 1, readEvents: new Set(['seen']), pendingEvents: ['seen'] }));
    const history: LeadHistoryView = {
      recentActivity: [activity('old', '2026-03-01T12:00:00.000Z'), activity('seen', '2026-03-03T00:00:00.000Z'), activity('new', '2026-03-04T00:00:00.000Z')],
      touches: [touch('seen', '2026-03-03T00:00:00.000Z'), touch('new', '2026-03-04T00:00:00.000Z')],
    };
    const recentHistory = vi.fn(async () => history);

    // Act
    const read = await readingHistory(getLead, recentHistory)(lead.leadId);

    // Assess
    expect(getLead).toHaveBeenCalledExactlyOnceWith(lead.leadId, { withEvents: true });
    // the events of markers the last save is still writing are read too
    expect(recentHistory).toHaveBeenCalledExactlyOnceWith(lead.leadId, ['seen']);
    expect(read?.lead.recentActivity.map((a) => a.messageId)).toEqual(['old', 'seen']);
    expect(read?.lead.touches.map((t) => t.messageId)).toEqual(['seen']);
  });

  it('reads no history for a lead merged into another, nor for none', async () => {
    const merged = { ...newLead('lead-0123456789abcdef0123', '2026-03-01T00:00:00.000Z', scoringModel), mergedInto: 'lead-ffffffffffffffffffff' };
    const recentHistory = vi.fn(async (): Promise<LeadHistoryView> => ({ recentActivity: [], touches: [] }));

    expect(await readingHistory(vi.fn(async () => ({ lead: merged, version: 2 })), recentHistory)(merged.leadId)).toEqual({ lead: merged, version: 2 });
    expect(await readingHistory(vi.fn(async () => undefined), recentHistory)('lead-0123456789abcdef0123')).toBeUndefined();
    expect(recentHistory).not.toHaveBeenCalled();
  });
});
