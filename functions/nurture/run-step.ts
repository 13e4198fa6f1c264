import type { EmailToSend, SendResult } from '#core/emails.ts';
import { linkExpiry } from '#core/links.ts';
import { nurtureEmailKey, nurtureStep, type NurtureConfig, type NurtureExit, type NurtureState, type SuppressionReason } from '#core/nurture.ts';
import { renderNurtureEmail, type EmailHeader } from '#core/nurture-email.ts';
import type { VersionedLead } from '#core/records.ts';
import { engagementAt } from '#core/scoring.ts';
import type { EnrollmentRef } from '#adapters/nurture-store.ts';

export interface NurtureStepPorts {
  config: NurtureConfig;
  apiUrl: string;
  now: () => Date;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  suppressionOf: (email: string) => Promise<SuppressionReason | undefined>;
  linkSigningKey: () => Promise<string>;
  sendEmailOnce: (email: EmailToSend & { headers: readonly EmailHeader[] }) => Promise<SendResult>;
  markNurtureEnded: (leadId: string, enrollment: EnrollmentRef, reason: NurtureExit | 'completed', at: string) => Promise<boolean>;
}

/** What the state machine does next: wait for the next step, or stop (the lead left, or the program is done). */
export type NurtureStepResult = NurtureState & { action: 'wait' | 'exit' | 'done'; reason?: NurtureExit };

/**
 * One step of a lead's nurture program, as its execution reaches it:
 *  1. the lead, its address's suppression and its score are read now, just
 *     before the send: a lead that must leave (an MQL, sales', unsubscribed,
 *     bounced, …) leaves here, whatever stopped or did not stop its execution;
 *  2. the step's email is sent at most once (the mailer's record), with its
 *     tracked links and the one-click unsubscribe; a step whose condition
 *     does not hold is skipped;
 *  3. the next step follows after its wait, or the program is done.
 */
export async function runNurtureStep(state: NurtureState, ports: NurtureStepPorts): Promise<NurtureStepResult> {
  const now = ports.now();
  const read = await ports.getLead(state.leadId);
  const lead = read?.lead;
  const suppressed = lead?.email === undefined ? undefined : await ports.suppressionOf(lead.email);
  const decision = nurtureStep(ports.config, state, {
    lead,
    engagement: lead ? engagementAt(lead.ledger, now) : 0,
    ...(suppressed && { suppressed }),
  });
  const enrollment = { programId: state.programId, cycle: state.cycle };
  if (decision.kind === 'exit') {
    await ports.markNurtureEnded(state.leadId, enrollment, decision.reason, now.toISOString());
    return { ...state, action: 'exit', reason: decision.reason };
  }
  if (decision.kind === 'send') {
    const email = renderNurtureEmail({
      state,
      step: decision.step,
      traits: lead!.traits,
      apiUrl: ports.apiUrl,
      key: await ports.linkSigningKey(),
      linksExpireAt: linkExpiry(now, ports.config.linkDays),
      now,
    });
    await ports.sendEmailOnce({ ...email, to: lead!.email!, idempotencyKey: nurtureEmailKey(state, decision.step.id) });
  }
  if (decision.kind === 'done' || !decision.next) {
    await ports.markNurtureEnded(state.leadId, enrollment, 'completed', now.toISOString());
    return { ...state, step: decision.kind === 'done' ? state.step : state.step + 1, waitSeconds: 0, action: 'done' };
  }
  return { ...state, ...decision.next, action: 'wait' };
}
