import type { Lead } from '../../../functions/core/lead.ts';
import { leadIdFor } from '../../../functions/core/lead-id.ts';
import { configKey, profileKey } from '../../../functions/core/table-layout.ts';

export { cycleKey, profileKey } from '../../../functions/core/table-layout.ts';

/** A lead id the way the product derives it: from the first identity the person was seen with. */
export const leadIdOf = leadIdFor;

/** A lead that qualified into cycle 1 and is owned by rep-sam, waiting for acceptance. */
export function mqlLead(overrides: Partial<Lead> = {}): Lead {
  return {
    leadId: 'lead-0123456789abcdef0123',
    email: 'dana@acme-corp.com',
    identities: ['email:dana@acme-corp.com'],
    traits: { email: 'dana@acme-corp.com', firstName: 'Dana', lastName: 'Buyer', company: 'Acme Corp', title: 'Head of Ops' },
    stage: 'mql',
    stageHistory: [{ from: 'known', to: 'mql', at: '2026-03-01T09:00:00.000Z', cause: 'qualified' }],
    ledger: [],
    modelVersion: '2026-11-23.1',
    engagement: 65,
    grade: 'A',
    scoredAt: '2026-03-01T09:00:00.000Z',
    cycle: 1,
    owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:05.000Z' },
    touches: [],
    recentActivity: [],
    createdAt: '2026-02-20T10:00:00.000Z',
    ...overrides,
  };
}

/** The profile item as the leads table holds it. */
export function profileItem(lead: Lead, version: number): Record<string, unknown> {
  return { ...profileKey(lead.leadId), ...lead, version };
}

export const signingKeyKey = configKey('link-signing-key');
