import type { EmailToSend, SendResult } from '#core/emails.ts';
import type { VersionedLead } from '#core/records.ts';
import { renderHandoffEmail } from '#core/emails.ts';
import { handOffEmailKey, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import { contactedUrl, handoffUrl, linkExpiry } from '#core/links.ts';
import type { ScoringModel } from '#core/scoring.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';

export interface SendHandoffPorts {
  teams: TeamsConfig;
  model: ScoringModel;
  /** where the hand-off links point (the API's base URL) */
  apiUrl: string;
  now: () => Date;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  /** the secret that signs hand-off links */
  linkSigningKey: () => Promise<string>;
  /** sends an email at most once per idempotency key */
  sendEmailOnce: (email: EmailToSend) => Promise<SendResult>;
}

export type HandoffSent = { handoff: 'sent' | 'already-sent' };

/** Emails the owner the hand-off: who, why, what they did, and one-click links. Sent once per rep per hand-off (handOffEmailKey). */
export async function sendHandoff(state: JourneyState & { assignment: JourneyAssignment }, ports: SendHandoffPorts): Promise<HandoffSent> {
  const { leadId, cycle, assignment } = state;
  const found = await ports.getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  const owner = findRep(ports.teams, assignment.repId);
  if (!owner) throw new Error(`rep ${assignment.repId} is not in config/teams.json`);
  const key = await ports.linkSigningKey();
  const link = { leadId, cycle, repId: owner.rep.id };
  const now = ports.now();
  const expiresAt = linkExpiry(now);
  const email = renderHandoffEmail({
    lead: found.lead,
    rep: owner.rep,
    model: ports.model,
    acceptBy: assignment.acceptBy,
    acceptUrl: handoffUrl(ports.apiUrl, { ...link, action: 'accept' }, key, expiresAt),
    rejectUrl: handoffUrl(ports.apiUrl, { ...link, action: 'reject' }, key, expiresAt),
    contactedUrl: contactedUrl(ports.apiUrl, link, key, expiresAt),
    linksExpireAt: expiresAt,
    now,
    ...(assignment.previousReps.length > 0 && { reassignedFrom: assignment.previousReps.at(-1)! }),
  });
  const result = await ports.sendEmailOnce({ ...email, to: owner.rep.email, idempotencyKey: handOffEmailKey(state, owner.rep.id) });
  return { handoff: result.sent ? 'sent' : result.reason };
}
