import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/reports/handler.ts';
import { funnelKey } from '../../../functions/core/table-layout.ts';
import { basicAuth, bearer, freshKey, httpEvent, jsonBody, keyItemKey, lambdaContext } from './http-event.ts';

const ddb = mockClient(DynamoDBDocumentClient);


function stubKey(key: string, kind: 'write' | 'server') {
  ddb.on(GetCommand, { TableName: 'leads-table', Key: keyItemKey(key) }).resolves({ Item: { ...keyItemKey(key), sourceId: 'src-crm', kind, active: true } });
}

function getFunnel(headers: Record<string, string> = {}) {
  return handler(httpEvent({ method: 'GET', path: '/v1/reports/funnel', headers }), lambdaContext('reports'));
}

describe('reports handler (funnel)', () => {
  beforeEach(() => {
    ddb.reset();
  });

  it('answers 401 without a key and reads nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: { sourceId: 'src-crm', kind: 'server' } });

    const result = await getFunnel();

    expect(result.statusCode).toBe(401);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('answers 401 for a key nobody registered', async () => {
    const key = freshKey('nobody');
    ddb.on(GetCommand, { TableName: 'leads-table', Key: keyItemKey(key) }).resolves({});
    ddb.on(GetCommand, { TableName: 'leads-table', Key: funnelKey }).resolves({ Item: { ...funnelKey, 'reached.visitor': 1 } });

    const result = await getFunnel(bearer(key));

    expect(result.statusCode).toBe(401);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: keyItemKey(key) });
    expect(ddb).not.toHaveReceivedCommandWith(GetCommand, { Key: funnelKey });
  });

  it('answers 403 for a write key, which can only send events, and does not read the counters', async () => {
    const key = freshKey('wk');
    stubKey(key, 'write');
    ddb.on(GetCommand, { TableName: 'leads-table', Key: funnelKey }).resolves({ Item: { ...funnelKey, 'reached.visitor': 1 } });

    const result = await getFunnel(bearer(key));

    expect(result.statusCode).toBe(403);
    expect(jsonBody(result).error).toMatch(/server key/);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: keyItemKey(key) });
    expect(ddb).not.toHaveReceivedCommandWith(GetCommand, { Key: funnelKey });
  });

  it('answers the funnel built from the counters item for a server key', async () => {
    // Prepare
    const key = freshKey('sk');
    stubKey(key, 'server');
    ddb.on(GetCommand, { TableName: 'leads-table', Key: funnelKey }).resolves({
      Item: {
        ...funnelKey,
        'reached.visitor': 200,
        'current.visitor': 120,
        'reached.known': 80,
        'current.known': 30,
        'reached.engaged': 40,
        'current.engaged': 15,
        'reached.mql': 20,
        'current.mql': 4,
        'reached.sal': 10,
        'current.sal': 6,
        'reached.sql': 4,
        'current.sql': 4,
        'reached.recycled': 3,
        'current.recycled': 3,
      },
    });

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
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: keyItemKey(key) });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: funnelKey });
  });

  it('accepts a server key as the HTTP Basic user and reports an empty funnel before any lead exists', async () => {
    const key = freshKey('sk');
    stubKey(key, 'server');
    ddb.on(GetCommand, { TableName: 'leads-table', Key: funnelKey }).resolves({});

    const result = await getFunnel(basicAuth(key));

    expect(result.statusCode).toBe(200);
    const { stages } = jsonBody(result) as { stages: { reached: number; current: number; conversionFromPrevious: number | null }[] };
    expect(stages).toHaveLength(11);
    expect(stages.every((s) => s.reached === 0 && s.current === 0 && s.conversionFromPrevious === null)).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: keyItemKey(key) });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: funnelKey });
  });
});
