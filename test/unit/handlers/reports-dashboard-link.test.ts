import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import { campaigns, feedback, repCalendars, serviceAgreement, teams } from '../../../config/index.ts';
import { dashboardToken } from '../../../functions/core/links.ts';
import { reportsHandler } from '../../../functions/reports/handler.ts';
import { bearer, freshKey, httpEvent, jsonBody, lambdaContext } from './http-event.ts';

/**
 * The report API reads with a server key or with the signed dashboard link
 * of a weekly digest: a genuine link in time reads, a tampered one is a 403,
 * an expired one a 410 that says where a fresh one is, and no link is looked
 * up as a key.
 */
const SIGNING_KEY = 'signing-key-of-this-stack';
const now = new Date('2026-03-10T12:00:00.000Z');
let lookedUp: string[] = [];
const serverKey = freshKey('sk');
const keys = {
  findKey: async (key: string): Promise<ApiKey | undefined> => {
    lookedUp.push(key);
    return key === serverKey ? { sourceId: 'src', kind: 'server' } : undefined;
  },
};
let reads = 0;
const ports = {
  getFunnelCounters: async () => {
    reads += 1;
    return { reached: { visitor: 3 }, current: { visitor: 3 } };
  },
  sliceCounts: async () => new Map<string, Record<string, number>>(),
  sliceCountsOfPeriods: async (_family: string, periods: readonly (readonly string[])[]) => periods.map(() => new Map<string, Record<string, number>>()),
  now: () => now,
  marketing: { minAcceptanceRate: 0.6 },
  campaigns,
  traitNames: [],
  serviceAgreement,
  teams,
  stallLimits: [],
  stalledLeads: async () => [],
  calendars: repCalendars,
  feedbackConfig: feedback,
  latestComments: async () => [],
};
const links = { linkSigningKey: async () => SIGNING_KEY, now: () => now };

async function funnelWith(headers: Record<string, string>, withLinks = true) {
  lookedUp = [];
  reads = 0;
  return reportsHandler(ports, keys, withLinks ? links : undefined)(httpEvent({ method: 'GET', path: '/v1/reports/funnel', headers }), lambdaContext('reports'));
}

describe('reports with the dashboard link of a weekly digest', () => {
  it('answer a genuine link in time, without looking it up as a key', async () => {
    const result = await funnelWith(bearer(dashboardToken(new Date('2026-03-23T07:00:00Z'), SIGNING_KEY)));
    expect(result.statusCode).toBe(200);
    expect(jsonBody(result).stages).toBeDefined();
    expect(reads).toBe(1);
    expect(lookedUp).toEqual([]);
  });

  it('refuse a tampered link with 403 and read nothing', async () => {
    const token = dashboardToken(new Date('2026-03-23T07:00:00Z'), SIGNING_KEY).replace(/^dl1\.\d+/, 'dl1.1893456000');
    const result = await funnelWith(bearer(token));
    expect(result.statusCode).toBe(403);
    expect(jsonBody(result).error).toBe('this dashboard link is not valid');
    expect(reads).toBe(0);
  });

  it('refuse a link signed with another key with 403', async () => {
    const result = await funnelWith(bearer(dashboardToken(new Date('2026-03-23T07:00:00Z'), 'someone-elses-key')));
    expect(result.statusCode).toBe(403);
  });

  it('answer an expired link with 410, saying until when it worked and where a fresh one is', async () => {
    const result = await funnelWith(bearer(dashboardToken(new Date('2026-03-10T11:59:00Z'), SIGNING_KEY)));
    expect(result.statusCode).toBe(410);
    expect(jsonBody(result).error).toBe('this link is out of date: it worked until 2026-03-10 11:59 UTC. The latest weekly digest has a fresh one, or sign in with a server key');
    expect(reads).toBe(0);
  });

  it('still answer a server key', async () => {
    expect((await funnelWith(bearer(serverKey))).statusCode).toBe(200);
    expect(lookedUp).toEqual([serverKey]);
  });

  it('take no link when the handler was built without the signing key: it is just an unknown key', async () => {
    const result = await funnelWith(bearer(dashboardToken(new Date('2026-03-23T07:00:00Z'), SIGNING_KEY)), false);
    expect(result.statusCode).toBe(401);
  });
});
