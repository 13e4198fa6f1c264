import * as z from './zod.ts';
import { EscalationStepName, escalationSteps, type EscalationStep } from './journey-contract.ts';

/** The service agreement both teams signed: timers and the escalation ladder. */

export const serviceAgreementSchema = z.strictObject({
  /** a rep must accept (or reject) a hand-off within this many hours */
  acceptWithinHours: z.number().check(z.positive()),
  /** what each missed acceptance deadline leads to, in order; the last step ends the cycle */
  escalationLadder: z
    .array(z.enum(escalationSteps))
    .check(
      z.minLength(1),
      z.refine((ladder) => ladder.at(-1) === EscalationStepName.recycle, `the ladder must end with "${EscalationStepName.recycle}" so no lead waits forever`),
    ),
});
export type ServiceAgreement = z.infer<typeof serviceAgreementSchema>;

export interface AcceptanceWindow {
  acceptBy: string;
  acceptWithinSeconds: number;
}

/**
 * When the current owner must have accepted by. A plain duration for now;
 * business hours in the rep's time zone replace this calculation.
 */
export function acceptanceWindow(agreement: ServiceAgreement, from: Date): AcceptanceWindow {
  const acceptWithinSeconds = Math.round(agreement.acceptWithinHours * 3600);
  return { acceptBy: new Date(from.getTime() + acceptWithinSeconds * 1000).toISOString(), acceptWithinSeconds };
}

/** The step taken after the `missed`-th missed deadline (1-based). */
export function escalationStep(agreement: ServiceAgreement, missed: number): EscalationStep {
  const ladder = agreement.escalationLadder;
  return ladder[Math.min(missed, ladder.length) - 1] ?? EscalationStepName.recycle;
}
