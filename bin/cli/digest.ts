import { parseArgs } from 'node:util';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createMailer } from '#adapters/mailer.ts';
import { createDocumentClient } from '#commons/clients.ts';
import { SETTINGS } from '#commons/settings.ts';
import { digest } from '#config/digest.ts';
import { weekOf } from '#core/digest.ts';
import { digestReadPorts } from '../../functions/digest/ports.ts';
import { prepareDigest, sendWeeklyDigest } from '../../functions/digest/weekly-digest.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE, type Env } from './connect.ts';
import type { CliIo } from './run.ts';
import { LOCAL_API_VARIABLES, localClockOf, runtimeNow } from './target.ts';

export const DIGEST_USAGE = `Usage: leadloop digest [--local | --stack <name>] [--print | --send [--force]] [--week <YYYY-MM-DD>]

Renders the weekly digest (config/digest.json) from the reports of a week:
by default the last whole week (Monday to Sunday in the digest's time zone)
before now, as the Monday schedule does. With --local, now is the local
runtime's clock (LEADLOOP_CLOCK_SPEED, LEADLOOP_CLOCK_START), not this
machine's: the week and the link's expiry follow the runtime.

  --print              write the email (subject, text) to stdout and send nothing (the default)
  --send               send it to config/digest.json's recipients, as the schedule does: at most
                       once per week, so a week the schedule (or an earlier --send) already sent
                       is not sent again
  --force              with --send: send even when this week's digest was sent (a second email)
  --week <day>         the week that holds this day instead, e.g. --week 2026-03-04

${TARGET_USAGE}

The link to the dashboard in it is signed and works for config/digest.json's
dashboardLinkDays (14 by default). Locally the email shows in the SES capture
(LEADLOOP_SES_URL, http://127.0.0.1:8005 by default).

Exit status: 0 when rendered (or sent, or already sent), 1 on an error, 2 for a usage error.`;

/** What the digest needs beyond the tables: where the dashboard is, and how email is sent (sender, configuration set). */
async function stackOutputs(stack: string): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stack }));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  const value = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const wanted = { [SETTINGS.apiUrl]: value('ApiUrl'), [SETTINGS.senderAddress]: value('EmailSender'), [SETTINGS.sesConfigurationSet]: value('EmailConfigurationSetName') };
  return Object.fromEntries(Object.entries(wanted).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export async function digestCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { ...TARGET_OPTIONS, print: { type: 'boolean' }, send: { type: 'boolean' }, force: { type: 'boolean' }, week: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${DIGEST_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(DIGEST_USAGE);
    return 0;
  }
  const usage = (message: string) => {
    io.err(`leadloop: ${message}\n\n${DIGEST_USAGE}`);
    return 2;
  };
  if (values.print && values.send) return usage('use --print or --send, not both');
  if (values.force && !values.send) return usage('--force goes with --send');
  if (values.week !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(values.week) || Number.isNaN(Date.parse(`${values.week}T00:00:00Z`)))) return usage(`--week must be a day as YYYY-MM-DD, got "${values.week}"`);

  const target = await findTarget(io, values, DIGEST_USAGE);
  if (typeof target === 'number') return target;
  let env: Env = target.env;
  if (values.stack) {
    try {
      env = { ...env, ...(await stackOutputs(values.stack)) };
    } catch (error) {
      io.err(`leadloop: cannot read stack ${values.stack}: ${(error as Error).message}`);
      return 1;
    }
  }
  const leadsTable = env[SETTINGS.leadsTable];
  const apiUrl = env[SETTINGS.apiUrl] ?? env[LOCAL_API_VARIABLES.apiUrl];
  const dashboardUrl = digest.dashboardUrl ?? (apiUrl ? `${apiUrl.replace(/\/+$/, '')}/dashboard` : undefined);
  if (!leadsTable) return (io.err(`leadloop: ${target.description} names no ${SETTINGS.leadsTable}`), 1);
  if (!dashboardUrl) return (io.err(`leadloop: ${target.description} does not say where its API is (the stack's ApiUrl output): set dashboardUrl in config/digest.json`), 1);

  // Wiring: the target's settings → adapters → the use case's ports, as the digest function's.
  const client = createDocumentClient(clientConfig(env, 'DYNAMODB'));
  // "now" is the target's: a local runtime's virtual clock (npm start's LEADLOOP_CLOCK_SPEED and
  // LEADLOOP_CLOCK_START), so the week is the runtime's last week and the link's expiry is counted on
  // the clock the report API checks it against; a deployed stack's is the wall clock.
  const clock = values.stack ? undefined : localClockOf(env);
  const now = clock ? runtimeNow(clock) : () => new Date();
  const ports = digestReadPorts({ client, leadsTable, dashboardUrl, now });
  const request = { scheduledAt: now(), ...(values.week !== undefined && { week: weekOf(values.week, digest.timeZone) }) };

  try {
    if (!values.send) {
      const { week, rendered } = await prepareDigest(request, ports);
      io.out(`To: ${digest.recipients.join(', ')}\nSubject: ${rendered.subject}\nWeek: ${week.from} to ${week.to} (excluded), ${week.timeZone}\n\n${rendered.text}`);
      return 0;
    }
    const senderAddress = digest.from ?? env[SETTINGS.senderAddress];
    const sesConfigurationSet = env[SETTINGS.sesConfigurationSet];
    if (!senderAddress || !sesConfigurationSet) {
      io.err(`leadloop: ${target.description} does not say how it sends email (${SETTINGS.senderAddress}, ${SETTINGS.sesConfigurationSet}; the stack's EmailSender and EmailConfigurationSetName outputs)`);
      return 1;
    }
    const { region, credentials } = clientConfig(env, 'DYNAMODB');
    const sesEndpoint = env.AWS_ENDPOINT_URL_SESV2 || env.AWS_ENDPOINT_URL_SES || env.AWS_ENDPOINT_URL;
    const ses = new SESv2Client({ ...(region && { region }), ...(credentials && { credentials }), ...(sesEndpoint && { endpoint: sesEndpoint }) });
    const { sendEmailOnce } = createMailer({ client, ses, leadsTable, senderAddress, sesConfigurationSet });
    const outcome = await sendWeeklyDigest({ ...request, ...(values.force && { force: true }) }, { ...ports, sendEmailOnce });
    io.out(
      outcome.sent
        ? `Sent the digest of ${outcome.week.from} to ${outcome.week.to} (excluded) to ${digest.recipients.join(', ')}: ${outcome.rendered.subject}`
        : `The digest of ${outcome.week.from} to ${outcome.week.to} (excluded) was already sent; nothing sent. Use --send --force to send it again.`,
    );
    return 0;
  } catch (error) {
    io.err(`leadloop: digest failed: ${(error as Error).message}`);
    return 1;
  }
}
