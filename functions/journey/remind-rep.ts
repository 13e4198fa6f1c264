import type { Cycle } from '#core/cycle.ts';
import { renderReminderEmail, type EmailToSend, type SendResult } from '#core/emails.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { handoffUrl, linkExpiry } from '#core/links.ts';
import type { VersionedLead } from '#core/records.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';

export interface RemindRepPorts {
  teams: TeamsConfig;
  /** where the hand-off links point (the API's base URL) */
  apiUrl: string;
  now: () => Date;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** the secret that signs hand-off links */
  linkSigningKey: () => Promise<string>;
  /** sends an email at most once per idempotency key */
  sendEmailOnce: (email: EmailToSend) => Promise<SendResult>;
}

export interface Reminded {
  /** sent now, sent by an earlier attempt, or not sent: the rep decided, the lead moved on, or no time is left */
  reminder: 'sent' | 'already-sent' | 'not-needed';
  /** wall-clock seconds from now to the acceptance deadline, at least 1: the journey waits that long again */
  acceptWithinSeconds: number;
}

/**
 * The reminder before the acceptance deadline: once per window (the
 * mailer's once-only record is keyed by the cycle, the missed-deadline count
 * and the rep), only while the hand-off is still the rep's to decide: a rep
 * who accepted or rejected meanwhile (even with the decision still in the
 * stream: it is on the cycle first) gets none, nor one whose hand-off a merge
 * closed (the survivor's journey reminds). Answers how long to wait
 * until the deadline.
 */
export async function remindRep(state: JourneyState & { assignment: JourneyAssignment }, ports: RemindRepPorts): Promise<Reminded> {
  const { leadId, cycle, assignment } = state;
  const now = ports.now();
  const acceptWithinSeconds = Math.max(1, Math.ceil((Date.parse(assignment.acceptBy) - now.getTime()) / 1000));
  const record = await ports.getCycle(leadId, cycle);
  const open = record !== undefined && !record.outcome && !record.recycled && !record.mergedInto && record.owner.repId === assignment.repId;
  if (!open || now.getTime() >= Date.parse(assignment.acceptBy) || assignment.remindAt === assignment.acceptBy) {
    return { reminder: 'not-needed', acceptWithinSeconds };
  }
  const found = await ports.getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  const owner = findRep(ports.teams, assignment.repId);
  if (!owner) throw new Error(`rep ${assignment.repId} is not in config/teams.json`);
  const key = await ports.linkSigningKey();
  const link = { leadId, cycle, repId: owner.rep.id };
  const expiresAt = linkExpiry(now);
  const email = renderReminderEmail({
    lead: found.lead,
    rep: owner.rep,
    acceptBy: assignment.acceptBy,
    acceptUrl: handoffUrl(ports.apiUrl, { ...link, action: 'accept' }, key, expiresAt),
    rejectUrl: handoffUrl(ports.apiUrl, { ...link, action: 'reject' }, key, expiresAt),
    linksExpireAt: expiresAt,
    now,
  });
  const result = await ports.sendEmailOnce({ ...email, to: owner.rep.email, idempotencyKey: `${leadId}#${cycle}#reminder#${record.missed}#${owner.rep.id}` });
  return { reminder: result.sent ? 'sent' : result.reason, acceptWithinSeconds };
}
