import { describe, expect, it } from 'vitest';
import { ingestPathSegments, ingestTypeOf } from '#core/event-types.ts';
import { escalationSteps, RepDecision } from '#core/journey-contract.ts';
import type { Outcome } from '#core/outcomes.ts';

describe('ingest paths', () => {
  it('take Segment’s types, a batch, and the short paths analytics.js 2.0 posts to', () => {
    expect(['track', 'page', 'identify', 'group', 'alias', 'batch'].map(ingestTypeOf)).toEqual(['track', 'page', 'identify', 'group', 'alias', 'batch']);
    expect(['t', 'p', 'i', 'g', 'a', 'b'].map(ingestTypeOf)).toEqual(['track', 'page', 'identify', 'group', 'alias', 'batch']);
  });

  it('answer nothing for any other segment, names of object properties included', () => {
    for (const segment of ['screen', 'Track', '', 'x', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(ingestTypeOf(segment), segment).toBeUndefined();
    }
  });

  it('are exactly the segments the HTTP API routes, each once', () => {
    expect(new Set(ingestPathSegments).size).toBe(ingestPathSegments.length);
    expect(ingestPathSegments.filter((segment) => ingestTypeOf(segment) === undefined)).toEqual([]);
    expect([...ingestPathSegments].sort()).toEqual(['a', 'alias', 'b', 'batch', 'g', 'group', 'i', 'identify', 'p', 'page', 't', 'track']);
  });
});

describe('the journey’s names', () => {
  it('end the ladder’s steps with recycling', () => {
    expect(escalationSteps).toEqual(['notify-manager', 'reassign', 'recycle']);
  });

  it('branch on the decisions an outcome records', () => {
    // A rename of an outcome kind fails to compile here before the journey stops branching on it.
    const kinds: Outcome['kind'][] = Object.values(RepDecision);
    expect(kinds).toEqual(['accepted', 'rejected']);
  });
});
