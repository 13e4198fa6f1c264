import { NotFoundError } from '#commons/errors.ts';
import type { IdentityKey } from '#core/identity.ts';
import { followMerges } from '#core/merge.ts';
import type { FeedbackConfig } from '#core/feedback.ts';
import { feedbackView, leadView, routingView, type LeadFeedbackView, type LeadRoutingView, type LeadView } from '#core/lead-view.ts';
import type { RoutingRecord } from '#core/rep-availability.ts';
import type { TeamsConfig } from '#core/teams.ts';
import type { FeedbackEntry, VersionedLead } from '#core/records.ts';
import type { ScoringModel } from '#core/scoring.ts';
import { nurtureView, type NurtureConfig, type NurtureView } from '#core/nurture.ts';

export interface FindLeadPorts {
  model: ScoringModel;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  leadIdOf: (identity: IdentityKey) => Promise<string | undefined>;
  now: () => Date;
  /** the reason boxes, to label the feedback's reasons */
  feedbackConfig: FeedbackConfig;
  /** the reps' feedback on the lead's hand-offs */
  feedbackOf: (leadId: string) => Promise<FeedbackEntry[]>;
  /** the names of reps, for the routing's reasons in words */
  teams: TeamsConfig;
  /** how a cycle's owner was found (kept on the cycle), or how its lead waits in a queue */
  routingOf: (leadId: string, cycle: number) => Promise<RoutingRecord | undefined>;
  /** the nurture programs, for the lead's program, step and next send */
  nurtureConfig: NurtureConfig;
}

export type LeadQuery = { leadId: string } | { email: string };

/**
 * The lead a query names, as stored: by id, or by the email's identity link,
 * following merges to the lead the person is now; undefined when none.
 */
export async function leadByQuery(query: LeadQuery, ports: Pick<FindLeadPorts, 'getLead' | 'leadIdOf'>): Promise<VersionedLead | undefined> {
  const leadId = 'leadId' in query ? query.leadId : await ports.leadIdOf(`email:${query.email}`);
  return leadId === undefined ? undefined : followMerges(await ports.getLead(leadId), ports.getLead);
}

/**
 * Identity → lead id (for an email) → the lead → the view, scored as of now.
 * The id of a lead merged into another finds the one it became (its
 * `mergedLeadIds` say so), so a CRM holding the old id still finds the person.
 */
export async function findLead(query: LeadQuery, ports: FindLeadPorts): Promise<LeadView & { feedback: LeadFeedbackView[]; routing: LeadRoutingView | null; nurture: NurtureView | null }> {
  const found = await leadByQuery(query, ports);
  if (!found) throw new NotFoundError('leadId' in query ? `no lead ${query.leadId}` : `no lead with the email ${query.email}`);
  const { lead } = found;
  const [entries, routing] = await Promise.all([ports.feedbackOf(lead.leadId), lead.cycle > 0 ? ports.routingOf(lead.leadId, lead.cycle) : undefined]);
  const feedback = feedbackView(entries, ports.feedbackConfig);
  const now = ports.now();
  return {
    ...leadView(lead, ports.model, now),
    feedback,
    routing: routing ? routingView(routing, ports.teams) : null,
    // the lead's latest program (its cycle's, or an earlier one that ended)
    nurture: lead.nurture ? nurtureView(ports.nurtureConfig, lead.nurture, now) : null,
  };
}
