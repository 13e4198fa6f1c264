import type { FeedbackConfig, FeedbackOccasion } from './feedback.ts';
import type { ActivityItem, Lead, Owner, Touch } from './lead.ts';
import type { Deal } from './crm-apply.ts';
import type { FeedbackEntry } from './records.ts';
import { ruleInWords, skipInWords } from './queue-emails.ts';
import type { RoutingRecord } from './rep-availability.ts';
import type { TeamsConfig } from './teams.ts';
import type { Stage, StageChange, StageMover } from './lifecycle.ts';
import {
  engagementAt,
  fitGrade,
  scoreBreakdown,
  type FitResult,
  type Grade,
  type ScoreContribution,
  type ScoringModel,
} from './scoring.ts';

/**
 * A lead as a reader (a CRM, a dashboard, a sales rep's tool) sees it. The
 * score is worked out at the moment of reading: engagement decays between
 * events, so the stored value is only right at the instant it was scored.
 * Internals (the raw ledger, the write version, the pending-journey flag)
 * stay out.
 */

/** `email:jane@acme.example` as `{ kind: 'email', value: 'jane@acme.example' }` */
export interface Identity {
  /** `email`, `user` or `anon` */
  kind: string;
  value: string;
}

export interface LeadView {
  leadId: string;
  email: string | null;
  identities: Identity[];
  traits: Record<string, unknown>;
  stage: Stage;
  /** oldest first; each change says when (`at`), who (`by`: the rep, the system that reported it; null for LeadLoop's own scoring and journey) and why (`cause`) */
  stageHistory: (Omit<StageChange, 'by'> & { by: StageMover | null })[];
  /** the deal the lead is in, as the CRM last reported it (stage, amount, opportunity) */
  deal: Deal | null;
  /** who found the lead: marketing (LeadLoop saw it first) or sales (the CRM reported it first) */
  source: 'marketing' | 'sales';
  owner: Owner | null;
  /** the current cycle, 0 until the lead first qualifies */
  cycle: number;
  touches: { first: Touch | null; last: Touch | null; all: Touch[] };
  /** newest first */
  recentActivity: ActivityItem[];
  lastActivityAt: string | null;
  score: {
    /** the instant the score below was worked out */
    at: string;
    engagement: number;
    grade: Grade;
    fitPoints: number;
    /** the model the score is read with: the deployed one */
    modelVersion: string;
    /** the model whose rules awarded the ledger's points: the last rescore's, or the one scoring new events */
    scoredUnder: string;
    /** what earned (or cost) the engagement, by rule, decayed to `at` */
    breakdown: ScoreContribution[];
    /** the fit rules the lead's traits pass */
    fit: FitResult['reasons'];
  };
  createdAt: string;
  /** when an event last changed the lead */
  updatedAt: string;
  /** leads found to be this same person and merged into this one; their ids find this lead */
  mergedLeadIds: string[];
}

function identityOf(key: string): Identity {
  const separator = key.indexOf(':');
  return { kind: key.slice(0, separator), value: key.slice(separator + 1) };
}

export function leadView(lead: Lead, model: ScoringModel, now: Date): LeadView {
  const fit = fitGrade(model, lead.traits);
  const lastActivity = lead.recentActivity.at(-1);
  return {
    leadId: lead.leadId,
    email: lead.email ?? null,
    identities: lead.identities.map(identityOf),
    traits: lead.traits,
    stage: lead.stage,
    stageHistory: lead.stageHistory.map((change) => ({ ...change, by: change.by ?? null })),
    deal: lead.deal ?? null,
    source: lead.source ?? 'marketing',
    owner: lead.owner ?? null,
    cycle: lead.cycle,
    touches: { first: lead.touches[0] ?? null, last: lead.touches.at(-1) ?? null, all: lead.touches },
    recentActivity: lead.recentActivity.toReversed(),
    lastActivityAt: lastActivity?.at ?? null,
    score: {
      at: now.toISOString(),
      engagement: engagementAt(lead.ledger, now),
      // fit depends on traits alone, so this is the grade the lead was scored with unless the model changed since
      grade: fit.grade,
      fitPoints: fit.points,
      modelVersion: model.version,
      scoredUnder: lead.modelVersion,
      breakdown: scoreBreakdown(model, lead.ledger, now),
      fit: fit.reasons,
    },
    createdAt: lead.createdAt,
    updatedAt: lead.scoredAt,
    mergedLeadIds: lead.mergedLeadIds ?? [],
  };
}

/** A rep's feedback on one hand-off of the lead, as the lead view lists it: the reasons with their labels. */
export interface LeadFeedbackView {
  cycle: number;
  occasion: FeedbackOccasion;
  rating: number;
  reasons: { id: string; label: string }[];
  comment: string | null;
  repId: string;
  at: string;
}

/** The lead's feedback, oldest first; a reason no longer configured keeps its id as its label. */
export function feedbackView(entries: readonly FeedbackEntry[], config: FeedbackConfig): LeadFeedbackView[] {
  return entries
    .map((entry) => {
      const labels = new Map(config.reasons[entry.occasion].map((r) => [r.id, r.label]));
      return {
        cycle: entry.cycle,
        occasion: entry.occasion,
        rating: entry.rating,
        reasons: entry.reasons.map((id) => ({ id, label: labels.get(id) ?? id })),
        comment: entry.comment ?? null,
        repId: entry.repId,
        at: entry.at,
      };
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}

/** How the current cycle's owner was found, as the lead view shows it: the rule, who was skipped and why, in data and in words. */
export interface LeadRoutingView {
  at: string;
  teamId: string;
  /** null while the lead waits in the team's queue */
  repId: string | null;
  /** `routing` for a new lead, `reassignment` after a missed deadline, `queue` when a drain gave it a rep */
  via: RoutingRecord['via'];
  rule: RoutingRecord['rule'] & { says: string };
  skipped: (RoutingRecord['skipped'][number] & { says: string })[];
}

/**
 * The skips' `says` name instants in the team manager's zone when teams.json
 * gives one, else in each skipped rep's own (as the manager's "Waiting for a
 * rep" email does); the data keeps the ISO instants.
 */
export function routingView(record: RoutingRecord, teams: TeamsConfig): LeadRoutingView {
  const reader = { timeZone: teams.teams.find((t) => t.id === record.teamId)?.manager.timeZone, now: new Date(record.at) };
  return {
    at: record.at,
    teamId: record.teamId,
    repId: record.repId ?? null,
    via: record.via,
    rule: { ...record.rule, says: ruleInWords(record.rule) },
    skipped: record.skipped.map((skip) => ({ ...skip, says: skipInWords(skip, teams, reader) })),
  };
}
