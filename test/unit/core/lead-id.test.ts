import { describe, expect, it } from 'vitest';
import { isLeadId, leadIdFor, leadIdSchema } from '#core/lead-id.ts';

describe('the lead id schema', () => {
  it('accepts every id the product makes', () => {
    // Prepare
    const ids = ['email:jo@acme.io', 'user:42', 'anon:0b9c-77', 'anon:'].map(leadIdFor);

    // Act / Assess
    for (const id of ids) {
      expect(leadIdSchema.safeParse(id).success, id).toBe(true);
      expect(isLeadId(id), id).toBe(true);
    }
  });

  it('refuses anything else, saying what a lead id looks like', () => {
    // Prepare
    const notIds = ['LEAD#x', 'lead-0123456789ABCDEF0123', 'lead-0123456789abcdef012', 'lead-0123456789abcdef01234', ' lead-0123456789abcdef0123', 'lead-0123456789abcdef012g', ''];

    // Act / Assess
    for (const value of notIds) {
      const result = leadIdSchema.safeParse(value);
      expect(result.success, value).toBe(false);
      expect(result.error?.issues[0]?.message, value).toBe('not a lead id (lead- and 20 hex digits)');
      expect(isLeadId(value), value).toBe(false);
    }
  });
});
