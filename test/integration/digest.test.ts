import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest as digestConfig } from '../../config/digest.ts';
import { lastDayOf, lastWeekBefore, type DigestWeek } from '../../functions/core/digest.ts';
import type { FunnelOfPeriod } from '../../functions/reports/funnel.ts';
import { virtualNow } from '../../local/clock.ts';
import { nextFire, parseCron } from '../../local/cron.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually } from '../support/local.ts';
import { digestCommand } from '../../bin/cli/digest.ts';
import type { CliIo } from '../../bin/cli/run.ts';
import { qualify as qualifyVisitor } from '../support/qualify.ts';

const localFile = path.join(mkdtempSync(path.join(tmpdir(), 'leadloop-digest-')), 'local.json');

/**
 * The weekly digest through the local runtime: the stack's schedule (cron in
 * the company's zone, read from the synthesized template) fires on the
 * runtime's virtual clock, run fast enough that next Monday 08:00 comes about
 * a minute after start. Leads qualify first (their hand-offs then run out
 * of time on the fast clock: not accepted). The digest email appears once in
 * the SES capture; firing again, or twice at once, sends nothing more; its
 * numbers are the report API's for the same week; its dashboard link reads
 * the reports.
 */
const SECONDS_TO_FIRE = 60;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

let runtime: LocalRuntime;
let week: DigestWeek;
/** whether the leads were all sent before the week ended (on a Sunday night the clock may pass Monday while they are sent) */
let seededInWeek = false;

const digests = async (): Promise<CapturedEmail[]> =>
  ((await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedEmail[] }).emails.filter((e) => e.subject.startsWith('LeadLoop weekly digest'));

/** A visitor who qualifies under the default model, first touched by the newsletter's spring campaign. */
const qualify = (anonymousId: string, email: string, name: string) =>
  qualifyVisitor(runtime, { anonymousId, email, name, campaign: { source: 'newsletter', medium: 'email', name: 'digest-spring' } });

/** The number after `label: ` on a line of the digest's text. */
function shown(text: string, label: string): number {
  const match = new RegExp(`^  - ${label}: ([\\d,]+)`, 'm').exec(text);
  if (!match) throw new Error(`the digest has no line "${label}"`);
  return Number(match[1]!.replaceAll(',', ''));
}

/** The digest's schedule (the stack has others, e.g. the queue's drain). */
const digestSchedule = () => runtime.schedules.list().find((s) => s.functionLogicalId.startsWith('Digest'));
/** The digest schedule's firings, first first. */
const digestFirings = () => runtime.schedules.firings.filter((f) => f.schedule === digestSchedule()?.schedule);

beforeAll(async () => {
  // The clock runs from the runtime's start, so its speed is set from an estimate; the week is read
  // from the scheduler once armed (start-up itself passes some virtual hours).
  const now = new Date();
  const fire = nextFire(parseCron(`cron(${digestConfig.send.minute} ${digestConfig.send.hour} ? * ${digestConfig.send.day} *)`), digestConfig.timeZone, now)!;
  const clockSpeed = (fire.getTime() - now.getTime()) / (SECONDS_TO_FIRE * 1000);
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed, synth: false, log: () => undefined });
  const next = digestSchedule()?.next;
  expect(next).toBeTruthy();
  week = lastWeekBefore(new Date(next!), digestConfig.timeZone);
  await qualify('digest-1', 'd1@initech.example', 'Dina One');
  await qualify('digest-2', 'd2@initech.example', 'Dan Two');
  await qualify('digest-3', 'd3@hooli.example', 'Dora Three');
  seededInWeek = virtualNow(runtime.clock, Date.now()) < Date.parse(week.end);
  // what npm start writes to .leadloop/local.json, written for this runtime to a file of its own (a running npm start owns that one)
  writeFileSync(localFile, JSON.stringify(runtime.cliEnv));
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the weekly digest, on the local runtime’s clock', () => {
  let digest: CapturedEmail;

  it('is sent once on Monday morning in the company’s zone, to leadership', async () => {
    const schedule = digestSchedule();
    expect(schedule).toMatchObject({ expression: 'cron(0 8 ? * MON *)', timeZone: digestConfig.timeZone });
    digest = await eventually('the digest email', async () => (await digests())[0], (SECONDS_TO_FIRE + 60) * 1000);
    expect(digest.destination.to).toEqual(digestConfig.recipients);
    // fired by the clock, for the Monday's 08:00, digesting the week before it
    const firing = await eventually('the firing to finish', async () => (digestFirings()[0]?.result !== undefined ? digestFirings()[0] : undefined));
    expect(new Date(firing.scheduledTime).getTime()).toBe(Date.parse(week.end) + (digestConfig.send.hour * 60 + digestConfig.send.minute) * 60_000);
    expect(firing.result).toMatchObject({ week: week.from, sent: true });
    expect(digest.body.text).toContain(`(${digestConfig.timeZone})`);
  });

  it('is not sent again when the schedule fires again for the same time, or twice at once for another week', async () => {
    const { schedule } = digestSchedule()!;
    const again = await runtime.schedules.fire(schedule, new Date(digestFirings()[0]!.scheduledTime));
    expect(again.result).toMatchObject({ week: week.from, sent: false });
    expect(await digests()).toHaveLength(1);

    // two deliveries of one firing at once: one claims the week, the other finds it claimed (and, its outcome then unknown, retries and finds it sent)
    const nextWeek = new Date(Date.parse(digestFirings()[0]!.scheduledTime) + 7 * 86_400_000);
    const both = await Promise.all([runtime.schedules.fire(schedule, nextWeek), runtime.schedules.fire(schedule, nextWeek)]);
    expect(both.map((f) => (f.result as { sent: boolean }).sent).sort()).toEqual([false, true]);
    expect(await digests()).toHaveLength(2);
  });

  it('says the numbers the report API answers for the same week', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel?from=${week.from}&to=${lastDayOf(week)}&by=all`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
    expect(response.status).toBe(200);
    const all = ((await response.json()) as FunnelOfPeriod).segments[0];
    const text = digest.body.text ?? '';
    const reached = (stage: string) => all?.stages.find((s) => s.stage === stage)?.reached ?? 0;
    expect(shown(text, 'MQLs handed to sales')).toBe(reached('mql'));
    expect(shown(text, 'Accepted by sales')).toBe(all?.decisions.accepted ?? 0);
    expect(shown(text, 'Rejected by sales')).toBe(all?.decisions.rejected ?? 0);
    expect(shown(text, 'Not accepted in time')).toBe(all?.decisions.notAccepted ?? 0);
    expect(shown(text, 'Opportunities')).toBe(all?.deals.opportunities ?? 0);
    expect(digest.subject).toContain(`${reached('mql')} MQL`);
    // the scorecard's MQLs and first contacts, as GET /v1/reports/service-agreement answers for the week
    const agreement = await fetch(`${runtime.apiUrl}/v1/reports/service-agreement?period=week&from=${week.from}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
    expect(agreement.status).toBe(200);
    const { all: card } = (await agreement.json()) as { all: { marketing: { mqls: { value: number; target: number } }; contacts: { missed: number; missedAcceptances: number } } };
    expect(text).toContain(`  - Marketing: MQLs: ${card.marketing.mqls.value} of ${card.marketing.mqls.target} committed`);
    expect(shown(text, 'Hand-offs without a first contact in time')).toBe(card.contacts.missed);
    expect(shown(text, 'Acceptance deadlines missed')).toBe(card.contacts.missedAcceptances);
    // the three leads qualified in the week (unless the fast clock passed Monday while they were sent)
    if (seededInWeek) expect(reached('mql')).toBe(3);
  });

  it('links to the dashboard with a token in the fragment that reads the reports, and says until when', async () => {
    const url = /^Dashboard: (\S+)$/m.exec(digest.body.text ?? '')![1]!;
    expect(url.startsWith(`${runtime.apiUrl}/dashboard#link=dl1.`)).toBe(true);
    const token = url.slice(url.indexOf('#link=') + '#link='.length);
    const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel?by=all`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(digest.body.text).toMatch(/read-only, until \w+day \d+ \w+ \d{4}, \d\d:\d\d \(/);
  });

  it('is rendered by leadloop digest --local --print for the week before the runtime’s now (not this machine’s), with a link that works on its clock', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env: { LEADLOOP_LOCAL_FILE: localFile }, progress: { write: () => true }, onInterrupt: () => () => undefined };
    const before = virtualNow(runtime.clock, Date.now());
    const status = await digestCommand(['--local', '--print'], io);
    const after = virtualNow(runtime.clock, Date.now());
    expect({ status, err: err.join('\n') }).toEqual({ status: 0, err: '' });
    const text = out.join('\n');
    // the runtime's last week: its clock is days ahead of this machine's (the Monday schedule fired on it)
    const weeks = new Set([lastWeekBefore(new Date(before), digestConfig.timeZone).from, lastWeekBefore(new Date(after), digestConfig.timeZone).from]);
    const printed = /^Week: (\S+) to /m.exec(text)?.[1];
    expect(weeks).toContain(printed);
    // the link expires dashboardLinkDays after the runtime's now, and the report API (on the same clock) reads with it
    const token = /#link=(dl1\.(\d+)\.\S+)$/m.exec(text);
    expect(token).toBeTruthy();
    const expires = Number(token![2]) * 1000;
    const days = digestConfig.dashboardLinkDays * 86_400_000;
    expect(expires).toBeGreaterThanOrEqual(Math.floor((before + days) / 1000) * 1000);
    expect(expires).toBeLessThanOrEqual(after + days + 1000);
    const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel?by=all`, { headers: { authorization: `Bearer ${token![1]}` } });
    expect(response.status).toBe(200);
  });

  it('is rendered on demand by leadloop digest --print, and --send sends it only once a week unless forced', async () => {
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env: { ...runtime.cliEnv }, progress: { write: () => true }, onInterrupt: () => () => undefined };
      const status = await digestCommand(args, io);
      return { status, out: out.join('\n'), err: err.join('\n') };
    };
    const printed = await run('--print', '--week', week.from);
    expect(printed).toMatchObject({ status: 0, err: '' });
    expect(printed.out).toContain(`Subject: ${digest.subject}`);
    expect(printed.out).toContain(`To: ${digestConfig.recipients.join(', ')}`);
    const before = (await digests()).length;

    const again = await run('--send', '--week', week.from);
    expect(again).toMatchObject({ status: 0, err: '' });
    expect(again.out).toContain('was already sent; nothing sent');
    expect(await digests()).toHaveLength(before);

    const forced = await run('--send', '--force', '--week', week.from);
    expect(forced).toMatchObject({ status: 0, err: '' });
    expect(forced.out).toMatch(/^Sent the digest of /);
    expect((await digests()).filter((e) => e.subject === digest.subject)).toHaveLength(2);

    expect((await run('--print', '--send')).status).toBe(2);
    expect((await run('--force')).status).toBe(2);
    expect(await run('--week', 'last monday')).toMatchObject({ status: 2, err: expect.stringContaining('--week must be a day as YYYY-MM-DD') });
  });
});
