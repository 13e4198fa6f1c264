import { describe, expect, it } from 'vitest';
import { leadIdFor } from '#core/lead-id.ts';
import { leadRefIssue, leadRefOf } from '#core/lead-ref.ts';

describe('the lead a request names', () => {
  it('is its leadId as given, or its email normalized as identities are', () => {
    // Prepare
    const leadId = leadIdFor('email:jo@acme.io');

    // Act / Assess
    expect(leadRefOf({ leadId })).toEqual({ leadId });
    expect(leadRefOf({ email: '  Jo@ACME.io ' })).toEqual({ email: 'jo@acme.io' });
  });

  it('is one of the two, exactly', () => {
    // Prepare / Act / Assess
    expect(leadRefIssue({})).toEqual({ path: ['leadId'], message: 'either leadId or email is required' });
    expect(leadRefIssue({ leadId: 'lead-1', email: 'jo@acme.io' })).toEqual({ path: ['email'], message: 'give leadId or email, not both' });
    expect(leadRefIssue({ email: 'jo@acme.io' })).toBeUndefined();
    expect(() => leadRefOf({})).toThrow(TypeError);
  });
});
