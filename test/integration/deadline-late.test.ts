import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { teams } from '../../config/index.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { acceptanceBudgetMs } from '../support/business-hours.ts';
import { acceptUrlOf, useDeadlineRuntime, type CapturedEmail } from '../support/deadline.ts';
import { eventually, storedEvents } from '../support/local.ts';

/**
 * A rep's decision made after the acceptance deadline moved the lead on
 * (the ladder of config/service-agreement.json: tell the manager, reassign,
 * recycle), through the local runtime with the fast clock: refused, with a
 * page that says what happened and when.
 */
const local = useDeadlineRuntime();
const { emails, handoffsOf, qualify, readLead, journeyOf } = local;

describe('an accept made after the lead was reassigned', () => {
  let reassigned: { leadId: string; second: CapturedEmail } | undefined;

  it('gets a page that says the lead was reassigned and when, and changes nothing', async () => {
    // Prepare: the first rep misses two deadlines; the second one gets the lead
    const leadId = leadIdFor('anon:visitor-ravi');
    await qualify('visitor-ravi', 'ravi@umbrella.example', 'Ravi Shah');
    const [first] = await eventually('the hand-off email', async () => ((await handoffsOf('Ravi Shah')).length > 0 ? handoffsOf('Ravi Shah') : undefined));
    const firstRepId = teams.teams[0]!.reps.find((r) => r.email === first!.destination.to[0])!.id;
    const handoffs = await eventually('the hand-off to a second rep', async () => ((await handoffsOf('Ravi Shah')).length > 1 ? handoffsOf('Ravi Shah') : undefined), acceptanceBudgetMs(local.runtime, firstRepId, 2));
    const secondRep = handoffs[1]!.destination.to[0];
    const before = await readLead(leadId);

    // Act: the first rep accepts now
    const page = await fetch(acceptUrlOf(first!), { method: 'POST', headers: { accept: 'text/html' } });
    const text = await page.text();

    // Assess: refused, and it says why and when; no outcome event, the lead as it was
    expect(page.status).toBe(409);
    expect(text).toMatch(/This lead was reassigned to another rep at \d{4}-\d\d-\d\d \d\d:\d\d UTC because the acceptance window ended at \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Your acceptance was not recorded\./);
    const [, reassignedAt, windowEnded] = /reassigned to another rep at (.+?) because the acceptance window ended at (.+?)\./.exec(text)!;
    expect(Date.parse(reassignedAt!.replace(' UTC', 'Z'))).toBeGreaterThanOrEqual(Date.parse(windowEnded!.replace(' UTC', 'Z')));
    const after = await readLead(leadId);
    expect(after?.stage).toBe('mql');
    expect(after?.owner).toEqual(before?.owner);
    expect(secondRep).not.toBe(first!.destination.to[0]);
    const dynamodb = new DynamoDBClient({ endpoint: local.runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect(await storedEvents(dynamodb, (e) => e.kind === 'outcome' && e.leadId === leadId)).toEqual([]);
    reassigned = { leadId, second: handoffs[1]! };
  }, 240_000);

  it('and an accept made after the ladder sent the lead back to marketing gets a page that says so, and changes nothing', async () => {
    // Prepare: the second rep misses the deadline too, the last step of the ladder: recycle
    expect(reassigned).toBeDefined();
    const { leadId, second } = reassigned!;
    const secondRepId = teams.teams[0]!.reps.find((r) => r.email === second.destination.to[0])!.id;
    const recycled = await eventually('the lead back with marketing', async () => ((await readLead(leadId))?.stage === 'recycled' ? readLead(leadId) : undefined), acceptanceBudgetMs(local.runtime, secondRepId, 1));

    // Act: the second rep accepts now, with the link of their own hand-off
    const page = await fetch(acceptUrlOf(second), { method: 'POST', headers: { accept: 'text/html' } });
    const text = await page.text();

    // Assess: refused, saying why and when; nothing recorded, the lead as it was
    expect(page.status).toBe(409);
    expect(text).toMatch(/This lead went back to marketing at \d{4}-\d\d-\d\d \d\d:\d\d UTC because it was not accepted by \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Your acceptance was not recorded\./);
    const after = await readLead(leadId);
    expect(after?.stage).toBe('recycled');
    expect(after?.stageHistory).toEqual(recycled?.stageHistory);
    const dynamodb = new DynamoDBClient({ endpoint: local.runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect(await storedEvents(dynamodb, (e) => e.kind === 'outcome' && e.leadId === leadId)).toEqual([]);
  }, 120_000);
});
