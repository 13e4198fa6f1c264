import { DescribeTableCommand, ListTablesCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { signLink, type FeedbackLink } from '../../functions/core/links.ts';
import { configKey, leadPartition } from '../../functions/core/table-layout.ts';
import { eventually, sendEvent, storedEvents, useLocalRuntime } from '../support/local.ts';

/**
 * Feedback through the local runtime: a rep accepts a hand-off, and the
 * acceptance page's signed feedback form stores the rep's feedback once, as
 * an event and an item under the lead; a second submission changes nothing;
 * tampered, other-rep and expired links are refused; bad input is a 400 that
 * names the field and stores nothing. And the rep's "I contacted them" link.
 */
const local = useLocalRuntime();

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

const anonymousId = 'visitor-fia';
const leadId = leadIdFor(`anon:${anonymousId}`);

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${local.runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

async function leadsTable(dynamodb: DynamoDBClient): Promise<string> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  for (const name of TableNames) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.KeySchema?.[0]?.AttributeName === 'pk') return name;
  }
  throw new Error('no leads table');
}

/** The lead's items whose sort key starts with `prefix`. */
async function itemsUnder(prefix: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await local.dynamodb.send(
    new QueryCommand({
      TableName: await leadsTable(local.dynamodb),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: leadPartition(leadId) }, ':prefix': { S: prefix } },
      ConsistentRead: true,
    }),
  );
  return Items.map((item) => unmarshall(item));
}

async function signingKey(): Promise<string> {
  const { pk, sk } = configKey('link-signing-key');
  const { Items = [] } = await local.dynamodb.send(
    new QueryCommand({
      TableName: await leadsTable(local.dynamodb),
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': { S: pk }, ':sk': { S: sk } },
    }),
  );
  return String(unmarshall(Items[0]!).value);
}

const feedbackEvents = () => storedEvents(local.dynamodb, (e) => e.kind === 'feedback' && e.leadId === leadId);

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body });

/** A feedback URL of the local API, signed with the runtime's key (to make links the emails would make, expired ones too). */
function signedFeedbackUrl(link: FeedbackLink, key: string): string {
  const url = new URL(`${local.runtime.apiUrl}/v1/feedback/${link.leadId}/${link.cycle}/${link.occasion}`);
  url.searchParams.set('rep', link.repId);
  url.searchParams.set('exp', String(link.exp));
  url.searchParams.set('sig', signLink(link, key));
  return url.toString();
}

describe('feedback on an accepted lead, by its signed link', () => {
  let acceptUrl: string;
  let feedbackUrl: URL;

  it('is offered on the acceptance page, as a form posting to a signed link', async () => {
    const calls = [
      ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } }],
      ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email: 'fia@initech.example', name: 'Fia Lund', phone: '+46 8 123 456', title: 'VP Sales', company: 'Initech', employees: 250 } }],
      ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
      ['/v1/track', { anonymousId, messageId: `${anonymousId}-4`, event: 'Form Submitted', properties: { formId: 'demo' } }],
    ] as const;
    for (const [path, body] of calls) expect((await sendEvent(local.runtime, path, body)).status).toBe(200);
    const handoff = await eventually('the hand-off email', async () => (await emails()).find((e) => e.subject.includes('Fia Lund')));
    // in the rep's zone, in words: "Thursday 31 December, 16:00 Europe/London"
    expect(handoff.body.text).toMatch(/These links work until [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+( \d{4})?, \d\d:\d\d Europe\/(London|Berlin)\./);
    acceptUrl = /Accept: (\S+)/.exec(handoff.body.text ?? '')![1]!;

    const accepted = await fetch(acceptUrl, { method: 'POST' });

    expect(accepted.status).toBe(200);
    const page = await accepted.text();
    expect(page).toContain('Lead accepted');
    const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!.replaceAll('&#38;', '&');
    feedbackUrl = new URL(action, acceptUrl);
    expect(feedbackUrl.pathname).toBe(`/v1/feedback/${leadId}/1/accepted`);
    expect((await fetch(feedbackUrl)).status).toBe(200);
  });

  it('stores the feedback once, as its event and its item under the lead; a second submission changes nothing', async () => {
    const first = await post(feedbackUrl.toString(), 'rating=4&reason=right-fit&reason=budget-confirmed&comment=Strong+fit');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Thanks for your feedback');

    const second = await post(feedbackUrl.toString(), 'rating=1&reason=clear-need');
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('The first feedback on this stands; this one was not saved.');

    const items = await itemsUnder('FEEDBACK#');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ sk: 'FEEDBACK#0001#accepted', occasion: 'accepted', rating: 4, reasons: ['right-fit', 'budget-confirmed'], comment: 'Strong fit' });
    const events = await feedbackEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ messageId: `feedback-${leadId}-1-accepted`, feedback: { rating: 4 } });
  });

  it('shows in the lead view with the reasons’ labels', async () => {
    const response = await fetch(`${local.runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${local.runtime.serverKey}` } });
    const view = (await response.json()) as { feedback: { occasion: string; rating: number; reasons: { label: string }[] }[] };

    expect(view.feedback).toMatchObject([{ occasion: 'accepted', rating: 4, reasons: [{ label: 'Fits our ideal customer profile' }, { label: 'Budget confirmed' }] }]);
  });

  it('refuses a tampered link, another rep’s and an expired one, storing nothing', async () => {
    const rep = feedbackUrl.searchParams.get('rep')!;
    const key = await signingKey();
    const closed: FeedbackLink = { leadId, cycle: 1, repId: rep, occasion: 'closed', exp: Math.floor(Date.now() / 1000) + 3600 };

    const tampered = new URL(signedFeedbackUrl(closed, key));
    tampered.searchParams.set('exp', String(closed.exp + 86_400));
    const otherRep = new URL(signedFeedbackUrl(closed, key));
    otherRep.searchParams.set('rep', rep === 'rep-sam' ? 'rep-kim' : 'rep-sam');
    const expired = signedFeedbackUrl({ ...closed, exp: Math.floor(Date.now() / 1000) - 60 }, key);

    expect((await post(tampered.toString(), 'rating=3')).status).toBe(403);
    expect((await post(otherRep.toString(), 'rating=3')).status).toBe(403);
    const outOfDate = await post(expired, 'rating=3');
    expect(outOfDate.status).toBe(410);
    expect(await outOfDate.text()).toContain('This link is out of date');
    // and the hand-off's own link, used by another rep
    const acceptByOther = new URL(acceptUrl);
    acceptByOther.searchParams.set('rep', rep === 'rep-sam' ? 'rep-kim' : 'rep-sam');
    expect((await fetch(acceptByOther, { method: 'POST' })).status).toBe(403);

    expect(await itemsUnder('FEEDBACK#0001#closed')).toEqual([]);
    expect(await feedbackEvents()).toHaveLength(1);
  });

  it('refuses the hand-off’s links when tampered with, replayed as another action, or out of date (issue 14)', async () => {
    const accept = new URL(acceptUrl);
    const rep = accept.searchParams.get('rep')!;
    const outcomesBefore = await storedEvents(local.dynamodb, (e) => e.kind === 'outcome' && e.leadId === leadId);

    // the accept link's signature on the reject path: the action is part of what is signed
    const asReject = new URL(acceptUrl.replace(/\/accept\?/, '/reject?'));
    expect(asReject.pathname.endsWith('/reject')).toBe(true);
    const rejected = await post(asReject.toString(), 'reason=no-budget');
    expect(rejected.status).toBe(403);
    // one character of the signature changed
    const tampered = new URL(acceptUrl);
    const sig = tampered.searchParams.get('sig')!;
    tampered.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    expect((await fetch(tampered, { method: 'POST' })).status).toBe(403);
    // a genuine link past its expiry
    const key = await signingKey();
    const expired = { leadId, cycle: 1, repId: rep, action: 'contacted' as const, exp: Math.floor(Date.now() / 1000) - 60 };
    const expiredUrl = new URL(`${local.runtime.apiUrl}/v1/handoffs/${leadId}/1/contacted`);
    expiredUrl.search = new URLSearchParams({ rep, exp: String(expired.exp), sig: signLink(expired, key) }).toString();
    const outOfDate = await fetch(expiredUrl, { method: 'POST' });
    expect(outOfDate.status).toBe(410);

    expect(await storedEvents(local.dynamodb, (e) => e.kind === 'outcome' && e.leadId === leadId)).toHaveLength(outcomesBefore.length);
    // and the email said until when its links work
    const handoff = (await emails()).find((e) => (e.body.text ?? '').includes(acceptUrl));
    expect(handoff?.body.text).toMatch(/These links work until \w+day \d+ \w+/);
  });

  it('answers bad input with a 400 page naming the field, and stores nothing', async () => {
    const rep = feedbackUrl.searchParams.get('rep')!;
    const closed = signedFeedbackUrl({ leadId, cycle: 1, repId: rep, occasion: 'closed', exp: Math.floor(Date.now() / 1000) + 3600 }, await signingKey());

    const noRating = await post(closed, 'reason=went-quiet');
    const wrongReason = await post(closed, 'rating=2&reason=right-fit');

    expect(noRating.status).toBe(400);
    expect(await noRating.text()).toContain('<strong>rating</strong>');
    expect(wrongReason.status).toBe(400);
    expect(await wrongReason.text()).toContain('<strong>reasons[0]</strong>');
    expect(await itemsUnder('FEEDBACK#')).toHaveLength(1);
    expect(await feedbackEvents()).toHaveLength(1);
  });

  it('records the rep’s "I contacted them" from the hand-off email once a day', async () => {
    const handoff = (await emails()).find((e) => e.subject.includes('Fia Lund'))!;
    const contactedUrl = /tell us you contacted them: (\S+)/.exec(handoff.body.text ?? '')![1]!;

    const first = await post(contactedUrl, 'kind=email');
    const again = await post(contactedUrl, 'kind=call');

    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Contact recorded');
    expect(await again.text()).toContain('Nothing changed');
    const activities = await itemsUnder('ACTIVITY#0001#');
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ kind: 'email', via: 'link', activityId: expect.stringMatching(new RegExp(`^contacted-${leadId}-1-rep-`)) });
  });
});
