import type { Lead } from '#core/lead.ts';
import { nurtureEntry, nurtureExit, nurtureStart, type NurtureConfig, type NurtureEnrollment, type NurtureExit, type NurtureState } from '#core/nurture.ts';
import { fitGrade, type ScoringModel } from '#core/scoring.ts';

/** What the stream path needs to put leads into nurture and take them out. */
export interface NurturePorts {
  config: NurtureConfig;
  startNurture: (state: NurtureState) => Promise<unknown>;
  clearNurturePending: (leadId: string, enrollment: Pick<NurtureEnrollment, 'programId' | 'cycle'>) => Promise<void>;
  /** stops the enrollment's execution (one not started is no error) and marks it ended */
  stopEnrollment: (leadId: string, enrollment: Pick<NurtureEnrollment, 'programId' | 'cycle'>, reason: NurtureExit) => Promise<void>;
}

/**
 * The lead with the nurture program it enters now, if it enters one (a known
 * lead below MQL, or a recycled one, with consent; once per cycle): saved
 * with the lead's update, pending until its execution is started.
 */
export function withNurtureEntry(lead: Lead, model: ScoringModel, ports: NurturePorts, now: string): Lead {
  const entry = nurtureEntry(ports.config, { ...lead, grade: fitGrade(model, lead.traits).grade }, lead.engagement, now);
  return entry ? { ...lead, nurture: entry } : lead;
}

/**
 * After a lead's update is saved: a pending enrollment's execution is
 * started, then the mark cleared (until then any later pass over the lead
 * tries again: a repeated start is a no-op); a lead that must leave nurture
 * (an MQL now, sales', disqualified, without consent) has its execution
 * stopped at once, wherever it is, and its enrollment marked ended, once.
 */
export async function settleNurture(lead: Lead, ports: NurturePorts): Promise<void> {
  const enrollment = lead.nurture;
  if (!enrollment || enrollment.ended) return;
  const exit = nurtureExit({ ...lead, grade: lead.grade }, ports.config);
  if (exit) {
    await ports.stopEnrollment(lead.leadId, enrollment, exit);
    return;
  }
  if (!enrollment.pending) return;
  await ports.startNurture(nurtureStart(ports.config, lead.leadId, enrollment));
  await ports.clearNurturePending(lead.leadId, enrollment);
}
