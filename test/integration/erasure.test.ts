import { DescribeTableCommand, ListTablesCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { executionArn } from '../../functions/adapters/journey-runner.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { journeyName } from '../../functions/core/journey.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadExport } from '../../functions/leads/export-lead.ts';
import { forgetCommand } from '../../bin/cli/forget.ts';
import type { CliIo } from '../../bin/cli/run.ts';
import { eventually, sendEvent, storedEvents, useLocalRuntime } from '../support/local.ts';

/**
 * Erasure and export (GDPR) through the local runtime: a person with two
 * leads merged into one, events, a hand-off, the rep's feedback with a
 * comment, and emails, is exported, then erased by DELETE /v1/leads/{id};
 * afterwards no item of either table holds their email or any of their ids,
 * and their next event is deleted, never applied. The person also gives
 * what a client controls and the reports slice by: UTM source and campaign
 * and a report trait (`industry`) that are their email; a userId; an account
 * (groupId); consent, so they enter nurture and unsubscribe from it. Every
 * one of those values, and the 20 hex digits of their lead ids in any form
 * (a tombstone's hash starting with them would give the lead id away), is
 * looked for in every item of both tables.
 */
const local = useLocalRuntime();

const email = 'eve.erased@initech.example';
const first = 'visitor-eve';
const second = 'visitor-eve-laptop';
const leadA = leadIdFor(`anon:${first}`);
const leadB = leadIdFor(`anon:${second}`);
const userId = 'eve-user-7731';
const groupId = 'initech-account-5521';

const auth = () => ({ authorization: `Bearer ${local.runtime.serverKey}` });
const api = (path: string, init: RequestInit = {}) => fetch(`${local.runtime.apiUrl}${path}`, { ...init, headers: { ...auth(), ...init.headers } });

async function emails(): Promise<{ subject: string; body: { text?: string } }[]> {
  return ((await (await fetch(`${local.runtime.sesUrl}/store`)).json()) as { emails: { subject: string; body: { text?: string } }[] }).emails;
}

/** Every item of both tables, as JSON text (a full scan: a test's handful of items). */
async function everyItem(dynamodb: DynamoDBClient): Promise<string[]> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const texts: string[] = [];
  for (const TableName of TableNames) {
    await dynamodb.send(new DescribeTableCommand({ TableName }));
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName, ConsistentRead: true, ExclusiveStartKey }));
      texts.push(...(page.Items ?? []).map((item) => JSON.stringify(unmarshall(item))));
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
  }
  return texts;
}

/** Everything of the person an item must not hold after the erasure: compared lower-cased, so no case of it escapes. */
const traces = [email, first, second, leadA, leadB, userId, groupId, leadA.slice('lead-'.length), leadB.slice('lead-'.length)].map((trace) => trace.toLowerCase());
const holding = (texts: readonly string[]) => texts.filter((text) => traces.some((trace) => text.toLowerCase().includes(trace)));

describe('erasing a person', () => {
  let survivor: string;
  let exported: LeadExport;

  it('exports everything held about a person with two merged leads, a hand-off, feedback and emails', async () => {
    // Prepare: two visitors, the second identifying with the first's email (a merge), then enough to qualify
    // the first touch's UTM source and campaign, and the industry trait (a report slice), are the email: client-controlled text
    const utm = { source: email, medium: 'email', name: email };
    const calls = [
      ['/v1/page', { anonymousId: first, messageId: `${first}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' }, campaign: utm } }],
      [
        '/v1/identify',
        {
          anonymousId: first,
          userId,
          messageId: `${first}-2`,
          traits: { email, name: 'Eve Erased', phone: '+46 8 123 456', title: 'VP Sales', company: 'Initech', employees: 250, industry: email, marketingConsent: true },
        },
      ],
      ['/v1/group', { anonymousId: first, messageId: `${first}-g`, groupId, traits: { name: 'Initech' } }],
      ['/v1/page', { anonymousId: second, messageId: `${second}-1`, name: 'Docs', context: { page: { url: 'https://example.com/docs' } } }],
    ] as const;
    for (const [path, body] of calls) expect((await sendEvent(local.runtime, path, body)).status).toBe(200);
    // with consent they enter nurture; they unsubscribe by the first email's one-click link (a suppression item)
    // (the nurture functions load on their first call: a minute for a loaded machine)
    const nurtured = await eventually('the first nurture email', async () => (await emails()).find((e) => e.subject.includes('three ways teams use LeadLoop')), 60_000, 500);
    const unsubscribeUrl = /Unsubscribe: (\S+)/.exec(nurtured.body.text ?? '')![1]!;
    const unsubscribed = await fetch(unsubscribeUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(unsubscribed.status).toBe(200);
    await eventually('the second visitor’s lead', async () => ((await api(`/v1/leads/${leadB}`)).status === 200 ? true : undefined));
    expect((await sendEvent(local.runtime, '/v1/identify', { anonymousId: second, messageId: `${second}-2`, traits: { email } })).status).toBe(200);
    survivor = await eventually('one lead for both visitors', async () => {
      const [a, b] = await Promise.all([api(`/v1/leads/${leadA}`), api(`/v1/leads/${leadB}`)]);
      const [viewA, viewB] = (await Promise.all([a.json(), b.json()])) as { leadId: string }[];
      return viewA!.leadId === viewB!.leadId ? viewA!.leadId : undefined;
    });
    for (const [path, body] of [
      ['/v1/page', { anonymousId: first, messageId: `${first}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
      ['/v1/track', { anonymousId: first, messageId: `${first}-4`, event: 'Form Submitted', properties: { formId: 'demo' } }],
    ] as const) {
      expect((await sendEvent(local.runtime, path, body)).status).toBe(200);
    }
    const handoff = await eventually('the hand-off email', async () => (await emails()).find((e) => e.subject.includes('Eve Erased')));
    const acceptUrl = /Accept: (\S+)/.exec(handoff.body.text ?? '')![1]!;
    const accepted = await fetch(acceptUrl, { method: 'POST' });
    expect(accepted.status).toBe(200);
    const action = /<form method="post" action="([^"]+)"/.exec(await accepted.text())![1]!.replaceAll('&#38;', '&');
    const feedback = await fetch(new URL(action, acceptUrl), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'rating=2&reason=right-fit&comment=Eve+asked+for+a+call' });
    expect(feedback.status).toBe(200);

    // Act
    const response = await api(`/v1/leads/${leadB}/export`);

    // Assess: the person (found from the merged lead's id), both leads, their events and what names them elsewhere
    expect(response.status).toBe(200);
    exported = (await response.json()) as LeadExport;
    expect(exported.leadId).toBe(survivor);
    expect(exported.leads.map((l) => l.leadId).sort()).toEqual([leadA, leadB].sort());
    const own = exported.leads.find((l) => l.leadId === survivor)!;
    expect(own.items[0]).toMatchObject({ sk: 'PROFILE', email });
    const kinds = new Set(own.items.map((item) => String(item.sk).split('#')[0]));
    expect([...kinds].sort()).toEqual(['CYCLE', 'EVENT', 'FEEDBACK', 'PROFILE', 'SCORE']);
    // one page: a person this small fits, and the page says so
    expect(exported.page).toEqual({ eventsFrom: 0, eventsTotal: exported.events.length });
    const past = await api(`/v1/leads/${leadB}/export?eventsFrom=${exported.events.length + 1}`);
    expect(past.status).toBe(400);
    expect(await past.text()).toContain('eventsFrom');
    const malformed = await api(`/v1/leads/${leadB}/export?eventsFrom=-1`);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('eventsFrom');
    const messageIds = exported.events.map((e) => e.messageId);
    expect(messageIds).toEqual(expect.arrayContaining([`${first}-1`, `${first}-2`, `${first}-3`, `${first}-4`, `${second}-1`, `${second}-2`, `feedback-${survivor}-1-accepted`]));
    const relatedKinds = new Set(exported.related.map((item) => String(item.pk).split('#')[0]));
    expect([...relatedKinds].sort()).toEqual(['COMMENTS', 'EMAIL', 'IDENTITY', 'SUPPRESSED']);
    expect(exported.related.filter((item) => String(item.pk).startsWith('IDENTITY#')).map((item) => item.pk)).toEqual(
      expect.arrayContaining([`IDENTITY#email:${email}`, `IDENTITY#anon:${first}`, `IDENTITY#anon:${second}`, `IDENTITY#user:${userId}`]),
    );
    // the traces the erasure must remove are there now
    const before = await everyItem(local.dynamodb);
    for (const trace of traces) expect(before.some((text) => text.toLowerCase().includes(trace)), trace).toBe(true);
    // the report items hold the UTM and trait slices of the first touch and the traits
    expect(before.some((text) => text.includes('"pk":"REPORT#funnel#') && text.includes('"sk":"campaign#'))).toBe(true);
    expect(before.some((text) => text.includes('"pk":"REPORT#funnel#') && text.includes('"sk":"trait:industry#'))).toBe(true);
  });

  it('erases them: afterwards no item of either table holds their email or any of their ids, and their journey is stopped', async () => {
    // Act: repeated while the erasure says it has more to do
    let result: { status: string; deleted: { items: number; events: number } } | undefined;
    for (let round = 0; round < 20 && result?.status !== 'erased'; round++) {
      const response = await api(`/v1/leads/${leadA}`, { method: 'DELETE' });
      expect([200, 202]).toContain(response.status);
      result = (await response.json()) as typeof result;
    }

    // Assess
    expect(result?.status).toBe('erased');
    // an event of theirs still in the stream (the rep's accept, just made) is deleted when it reaches scoring: the tombstones are written first
    const left = async () => holding(await everyItem(local.dynamodb));
    await eventually('the events still in the stream deleted', async () => ((await left()).length === 0 ? true : undefined), 30_000, 1_000).catch(() => undefined);
    expect(await left()).toEqual([]);
    const sfn = new SFNClient({ endpoint: local.runtime.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const journey = local.runtime.cliEnv[SETTINGS.journeyStateMachineArn]!;
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(journey, journeyName(survivor, 1)) }));
    sfn.destroy();
    expect(status).toBe('ABORTED');
  });

  it('answers a repeated DELETE as erased, and no longer exports them', async () => {
    const again = await api(`/v1/leads/${leadB}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'erased' });
    expect((await api(`/v1/leads/${survivor}/export`)).status).toBe(404);
  });

  it('deletes their next event without applying it: no lead is made or linked for them again', async () => {
    // Act: the person comes back on the first device
    expect((await sendEvent(local.runtime, '/v1/page', { anonymousId: first, messageId: `${first}-5`, name: 'Pricing' })).status).toBe(200);

    // Assess: the stream path deletes the event; no lead, no identity link
    await eventually('the event deleted', async () => ((await storedEvents(local.dynamodb, (e) => e.messageId === `${first}-5`)).length === 0 ? true : undefined));
    expect((await api(`/v1/leads/${leadA}`)).status).toBe(404);
    expect(holding(await everyItem(local.dynamodb))).toEqual([]);
  });

  it('refuses a bad lead id with a 400 naming the field, and answers 404 for a lead never known', async () => {
    for (const [path, init] of [
      ['/v1/leads/not-a-lead', { method: 'DELETE' }],
      ['/v1/leads/not-a-lead/export', {}],
    ] as const) {
      const response = await api(path, init);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { issues: { path: string }[] };
      expect(body.issues.map((i) => i.path)).toEqual(['leadId']);
    }
    const unknown = leadIdFor('anon:never-seen');
    expect((await api(`/v1/leads/${unknown}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`/v1/leads/${unknown}/export`)).status).toBe(404);
  });

  it('refuses a write key', async () => {
    const response = await fetch(`${local.runtime.apiUrl}/v1/leads/${leadA}`, { method: 'DELETE', headers: { authorization: `Bearer ${local.runtime.writeKey}` } });
    expect(response.status).toBe(403);
  });
});

describe('leadloop forget <email>', () => {
  it('erases a person by email through the CLI, leaving no trace of them', async () => {
    // Prepare: a known visitor
    const other = 'visitor-otto';
    const otto = 'otto.forgotten@initech.example';
    expect((await sendEvent(local.runtime, '/v1/identify', { anonymousId: other, messageId: `${other}-1`, traits: { email: otto, name: 'Otto' } })).status).toBe(200);
    const ottoLead = await eventually('Otto’s lead', async () => {
      const response = await api(`/v1/leads?email=${encodeURIComponent(otto)}`);
      return response.status === 200 ? ((await response.json()) as { leadId: string }).leadId : undefined;
    });
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env: local.runtime.cliEnv, progress: { write: () => true }, onInterrupt: () => () => undefined };

    // Act: by the email in another case, as a person would type it
    const status = await forgetCommand(['Otto.Forgotten@Initech.example'], io);

    // Assess
    expect({ status, err }).toEqual({ status: 0, err: [] });
    expect(out.join('\n')).toMatch(/^Erased otto\.forgotten@initech\.example from .*: \d+ items and 1 events\.$/);
    const after = await everyItem(local.dynamodb);
    for (const trace of [otto, other, ottoLead]) expect(after.filter((text) => text.includes(trace))).toEqual([]);
    expect(await forgetCommand([otto], io)).toBe(0);
    expect(out.at(-1)).toContain('was already erased');
  });
});
