import { NotFoundError, ValidationError } from '#commons/errors.ts';
import { activityRepId, type Activity } from '#core/activities.ts';
import { futureIssue, leadRefOf } from '#core/lead-ref.ts';
import type { ActivityRecord, VersionedLead } from '#core/records.ts';
import type { LeadQuery } from '../leads/find-lead.ts';

export interface RecordActivityPorts {
  now: () => Date;
  /** the lead a request names, as stored (following merges) */
  findLead: (query: LeadQuery) => Promise<VersionedLead | undefined>;
  /** stores the activity unless its activityId was stored before */
  recordActivity: (record: ActivityRecord) => Promise<'recorded' | 'duplicate'>;
}

export interface RecordedActivity {
  status: 'recorded' | 'duplicate';
  activity: ActivityRecord;
}

/**
 * An activity the CRM reports (`POST /v1/activities`): counted for the rep it
 * names, else the lead's owner, under the lead's current cycle, whose sales
 * clocks it stops. Sending the same activityId again changes nothing.
 */
export async function recordActivity(activity: Activity, ports: RecordActivityPorts): Promise<RecordedActivity> {
  const future = futureIssue(activity.at, ports.now(), 'at');
  if (future) throw new ValidationError([future]);
  const query = leadRefOf(activity);
  const found = await ports.findLead(query);
  if (!found) {
    const [path, message] = 'leadId' in query ? ['leadId', `no lead ${query.leadId}`] : ['email', `no lead with the email ${query.email}`];
    throw new NotFoundError(message, [{ path, message }]);
  }
  const { lead } = found;
  const rep = activityRepId(activity, lead);
  if ('issue' in rep) throw new ValidationError([rep.issue]);
  const record: ActivityRecord = {
    leadId: lead.leadId,
    cycle: lead.cycle,
    activityId: activity.activityId,
    kind: activity.kind,
    at: new Date(Date.parse(activity.at)).toISOString(),
    repId: rep.repId,
    ...(activity.result !== undefined && { result: activity.result }),
    via: 'api',
  };
  return { status: await ports.recordActivity(record), activity: record };
}
