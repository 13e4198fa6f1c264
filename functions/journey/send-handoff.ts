import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { scoringModel, teams } from '#config/index.ts';
import { renderHandoffEmail } from '#core/emails.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { linkUrl } from '#core/links.ts';
import { findRep } from '#core/teams.ts';

const { leadsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable });
const { getLead } = createLeadStore({ client: dynamodb, leadsTable });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet });

/** Emails the owner the hand-off: who, why, what they did, and one-click links. Sent once per rep per cycle. */
export const handler = journeyStep(async (state: JourneyState & { assignment: JourneyAssignment }) => {
  const { leadId, cycle, assignment } = state;
  const found = await getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  const owner = findRep(teams, assignment.repId);
  if (!owner) throw new Error(`rep ${assignment.repId} is not in config/teams.json`);
  const key = await getLinkSigningKey();
  const link = { leadId, cycle, repId: owner.rep.id };
  const email = renderHandoffEmail({
    lead: found.lead,
    rep: owner.rep,
    model: scoringModel,
    acceptBy: assignment.acceptBy,
    acceptUrl: linkUrl(apiUrl, { ...link, action: 'accept' }, key),
    rejectUrl: linkUrl(apiUrl, { ...link, action: 'reject' }, key),
    now: new Date(),
    ...(assignment.previousReps.length > 0 && { reassignedFrom: assignment.previousReps.at(-1)! }),
  });
  const result = await sendEmailOnce({ ...email, to: owner.rep.email, idempotencyKey: `${leadId}#${cycle}#handoff#${owner.rep.id}` });
  return { handoff: result.sent ? 'sent' : result.reason };
});
