import { deadlineInWords, spanInWords } from './deadline-words.ts';
import { escapeHtml, type RenderedEmail } from './emails.ts';
import type { PreviousSkip, RoutingRecord } from './rep-availability.ts';
import type { Skip } from './routing.ts';
import type { Manager, TeamsConfig } from './teams.ts';

/** Who reads a skip, and when: instants are said in their zone, the year only when not the year of `now`. */
export interface SkipReader {
  /** the reader's zone (a manager's own, teams.json); left out, the skipped rep's zone, else UTC */
  timeZone?: string | undefined;
  /** when the decision was taken (the routing record's `at`) */
  now?: Date | undefined;
}

/**
 * Why a rep was skipped, in words, instants in the reader's zone:
 * "Kim Closer: away from Monday 4 January, 00:00 to Saturday 9 January, 00:00 Europe/Berlin",
 * "Sam Seller: not at work until Tuesday 12 January, 09:00 Europe/London".
 */
export function skipInWords(skip: Skip | PreviousSkip, teams: TeamsConfig, reader: SkipReader = {}): string {
  const rep = teams.teams.flatMap((t) => t.reps).find((r) => r.id === skip.repId);
  const name = rep?.name ?? skip.repId;
  const zone = reader.timeZone ?? rep?.timeZone ?? 'UTC';
  switch (skip.reason) {
    case 'away':
      return skip.from === undefined
        ? `${name}: away until ${deadlineInWords(new Date(skip.until), zone, reader.now)}`
        : `${name}: away from ${spanInWords(new Date(skip.from), new Date(skip.until), zone, reader.now)}`;
    case 'full':
      return `${name}: full (${skip.open} open leads, cap ${skip.maxOpenLeads})`;
    case 'off-hours':
      return `${name}: not at work until ${deadlineInWords(new Date(skip.workingFrom), zone, reader.now)}`;
    case 'previous':
      return `${name}: had this lead before`;
  }
}

/** The rule that picked the team, in words. */
export function ruleInWords(rule: RoutingRecord['rule']): string {
  return rule.id === 'default' ? 'no rule matched: the default team' : `rule "${rule.id}" (number ${rule.index + 1} in config/routing.json)`;
}

export interface QueuedEmailInput {
  leadId: string;
  lead: { name?: string; email?: string };
  manager: Manager;
  teamId: string;
  record: RoutingRecord;
  teams: TeamsConfig;
}

/**
 * The manager's notice that a qualified lead waits: nobody in the team could
 * take it (who was skipped and why). It is handed off as soon as a rep is
 * back or has room.
 */
export function renderQueuedEmail(input: QueuedEmailInput): RenderedEmail {
  const { lead, manager, teamId, record, teams } = input;
  const name = lead.name ?? lead.email ?? input.leadId;
  const reasons = record.skipped.map((skip) => skipInWords(skip, teams, { timeZone: manager.timeZone, now: new Date(record.at) }));
  const subject = `Waiting for a rep: ${name} (${teamId})`.replace(/\s+/g, ' ');
  const text = [
    `Hi ${manager.name},`,
    '',
    `${name} <${lead.email ?? 'no email'}> qualified and was routed to ${teamId} by ${ruleInWords(record.rule)}, but nobody in the team can take it now:`,
    ...reasons.map((reason) => `- ${reason}`),
    '',
    'It waits in the team’s queue and is handed off as soon as a rep is back or has room (npx leadloop reps back <rep>).',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Hi ${escapeHtml(manager.name)},</p>
<p><strong>${escapeHtml(name)}</strong> &lt;${escapeHtml(lead.email ?? 'no email')}&gt; qualified and was routed to ${escapeHtml(teamId)} by ${escapeHtml(ruleInWords(record.rule))}, but nobody in the team can take it now:</p>
<ul>${reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>
<p>It waits in the team’s queue and is handed off as soon as a rep is back or has room.</p>
</body></html>`;
  return { subject, html, text };
}
