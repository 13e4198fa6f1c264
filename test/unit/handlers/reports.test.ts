import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import type { FunnelCounters } from '../../../functions/core/funnel.ts';
import { funnelHandler } from '../../../functions/reports/handler.ts';
import { basicAuth, bearer, freshKey, httpEvent, jsonBody, lambdaContext } from './http-event.ts';

/** The key lookup port, in memory: the keys registered and every key looked up. */
let registered: Map<string, ApiKey>;
let lookedUp: string[];
const keys = {
  findKey: async (key: string) => {
    lookedUp.push(key);
    return registered.get(key);
  },
};

/** The funnel counters port, in memory: what it holds and how often it was read. */
let counters: FunnelCounters;
let counterReads: number;
const ports = {
  getFunnelCounters: async () => {
    counterReads += 1;
    return structuredClone(counters);
  },
};

function stubKey(key: string, kind: 'write' | 'server') {
  registered.set(key, { sourceId: 'src-crm', kind });
}

function getFunnel(headers: Record<string, string> = {}) {
  return funnelHandler(ports, keys)(httpEvent({ method: 'GET', path: '/v1/reports/funnel', headers }), lambdaContext('reports'));
}

describe('reports handler (funnel)', () => {
  beforeEach(() => {
    registered = new Map();
    lookedUp = [];
    counters = { reached: { visitor: 1 }, current: { visitor: 1 } };
    counterReads = 0;
  });

  it('answers 401 without a key and reads nothing', async () => {
    const result = await getFunnel();

    expect(result.statusCode).toBe(401);
    expect(lookedUp).toEqual([]);
    expect(counterReads).toBe(0);
  });

  it('answers 401 for a key nobody registered', async () => {
    const key = freshKey('nobody');

    const result = await getFunnel(bearer(key));

    expect(result.statusCode).toBe(401);
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(0);
  });

  it('answers 403 for a write key, which can only send events, and does not read the counters', async () => {
    const key = freshKey('wk');
    stubKey(key, 'write');

    const result = await getFunnel(bearer(key));

    expect(result.statusCode).toBe(403);
    expect(jsonBody(result).error).toMatch(/server key/);
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(0);
  });

  it('answers the funnel built from the counters item for a server key', async () => {
    // Prepare
    const key = freshKey('sk');
    stubKey(key, 'server');
    counters = {
      reached: { visitor: 200, known: 80, engaged: 40, mql: 20, sal: 10, sql: 4, recycled: 3 },
      current: { visitor: 120, known: 30, engaged: 15, mql: 4, sal: 6, sql: 4, recycled: 3 },
    };

    // Act
    const result = await getFunnel(bearer(key));

    // Assess: conversion is each stage's `reached` over the previous funnel stage's `reached`;
    // off-funnel stages (lost, recycled, disqualified) and stages after an empty one have none.
    expect(result.statusCode).toBe(200);
    expect(jsonBody(result)).toEqual({
      stages: [
        { stage: 'visitor', reached: 200, current: 120, conversionFromPrevious: null },
        { stage: 'known', reached: 80, current: 30, conversionFromPrevious: 0.4 },
        { stage: 'engaged', reached: 40, current: 15, conversionFromPrevious: 0.5 },
        { stage: 'mql', reached: 20, current: 4, conversionFromPrevious: 0.5 },
        { stage: 'sal', reached: 10, current: 6, conversionFromPrevious: 0.5 },
        { stage: 'sql', reached: 4, current: 4, conversionFromPrevious: 0.4 },
        { stage: 'opportunity', reached: 0, current: 0, conversionFromPrevious: 0 },
        { stage: 'won', reached: 0, current: 0, conversionFromPrevious: null },
        { stage: 'lost', reached: 0, current: 0, conversionFromPrevious: null },
        { stage: 'recycled', reached: 3, current: 3, conversionFromPrevious: null },
        { stage: 'disqualified', reached: 0, current: 0, conversionFromPrevious: null },
      ],
    });
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(1);
  });

  it('accepts a server key as the HTTP Basic user and reports an empty funnel before any lead exists', async () => {
    const key = freshKey('sk');
    stubKey(key, 'server');
    counters = { reached: {}, current: {} };

    const result = await getFunnel(basicAuth(key));

    expect(result.statusCode).toBe(200);
    const { stages } = jsonBody(result) as { stages: { reached: number; current: number; conversionFromPrevious: number | null }[] };
    expect(stages).toHaveLength(11);
    expect(stages.every((s) => s.reached === 0 && s.current === 0 && s.conversionFromPrevious === null)).toBe(true);
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(1);
  });
});
