import { isTimeZone, weekdays } from './zoned-time.ts';
import * as z from './zod.ts';

/**
 * config/digest.json: who gets the weekly digest, when, in which time zone,
 * and from which address. Apart from the digest's rendering (digest.ts), as
 * every function that loads the configuration parses this file.
 */

const sendSchema = z.strictObject({
  /** the day of the week it is sent, in the company's zone */
  day: z._default(z.enum(weekdays), 'MON'),
  /** the hour (0 to 23) it is sent, in the company's zone */
  hour: z._default(z.number().check(z.int(), z.gte(0), z.lte(23)), 8),
  /** @default 0 */
  minute: z._default(z.number().check(z.int(), z.gte(0), z.lte(59)), 0),
});

export const digestConfigSchema = z.strictObject({
  /** marketing and sales leadership: one email, all of them in To */
  recipients: z.array(z.email()).check(z.minLength(1, 'name at least one recipient'), z.maxLength(50, 'at most 50 recipients (one SES message)')),
  /** the company's time zone (IANA): weeks run Monday 00:00 to Monday 00:00 there, and the schedule fires there */
  timeZone: z.string().check(z.refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or America/New_York')),
  /** when it is sent: @default Monday 08:00 */
  send: z._default(sendSchema, { day: 'MON', hour: 8, minute: 0 }),
  /** the From address; its domain must be the stack's verified sender domain. @default the stack's sender (config/teams.json `sender`) */
  from: z.optional(z.string().check(z.minLength(3))),
  /** the dashboard's public URL. @default the API's URL + /dashboard */
  dashboardUrl: z.optional(z.url({ protocol: /^https?$/ })),
  /** how long the dashboard link in the email works. @default 14 */
  dashboardLinkDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(90)), 14),
  /** how far ahead "campaigns starting soon" looks, in weeks. @default 4 */
  upcomingCampaignWeeks: z._default(z.number().check(z.int(), z.gte(1), z.lte(26)), 4),
});

export type DigestConfig = z.infer<typeof digestConfigSchema>;

/** The EventBridge Scheduler expression of the send time: `cron(min hour ? * DAY *)`, read in the config's zone. */
export function digestCron(send: DigestConfig['send']): string {
  return `cron(${send.minute} ${send.hour} ? * ${send.day} *)`;
}

