import type { IdentityKey } from '#core/identity.ts';

/** Where each kind of item lives in the leads table: one place for the layout. */
export const PROFILE_SK = 'PROFILE';
export const MARKER_PREFIX = 'EVENT#';
export const profileKey = (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: PROFILE_SK });
/** The marker an applied event leaves on its lead, so a replay is refused. */
export const markerKey = (leadId: string, messageId: string) => ({ pk: `LEAD#${leadId}`, sk: `${MARKER_PREFIX}${messageId}` });
export const cycleKey = (leadId: string, cycle: number) => ({ pk: `LEAD#${leadId}`, sk: `CYCLE#${String(cycle).padStart(4, '0')}` });
export const identityKey = (key: IdentityKey) => ({ pk: `IDENTITY#${key}`, sk: 'IDENTITY' });
export const funnelKey = { pk: 'REPORT#funnel', sk: 'COUNTERS' };
/** Where a rescore under a model version keeps its progress, so an interrupted run resumes. */
export const rescoreKey = (modelVersion: string) => ({ pk: `RESCORE#${modelVersion}`, sk: 'PROGRESS' });
