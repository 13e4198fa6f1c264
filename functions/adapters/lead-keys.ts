import type { IdentityKey } from '#core/lead.ts';

/** Where each kind of item lives in the leads table: one place for the layout. */
export const profileKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE' });
/** The marker an applied event leaves on its lead, so a replay is refused. */
export const markerKey = (leadId: string, messageId: string) => ({ pk: `LEAD#${leadId}`, sk: `EVENT#${messageId}` });
export const cycleKey = (leadId: string, cycle: number) => ({ pk: `LEAD#${leadId}`, sk: `CYCLE#${String(cycle).padStart(4, '0')}` });
export const identityKey = (key: IdentityKey) => ({ pk: `IDENTITY#${key}`, sk: 'IDENTITY' });
export const funnelKey = { pk: 'REPORT#funnel', sk: 'COUNTERS' };
