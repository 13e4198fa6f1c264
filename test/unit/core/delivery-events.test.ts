import { describe, expect, it } from 'vitest';
import { suppressionsOf } from '#core/delivery-events.ts';

describe('SES delivery events', () => {
  const mail = { timestamp: '2026-03-02T10:00:00.000Z', destination: ['a@acme.example', 'b@acme.example'] };

  it('suppresses every recipient of a permanent bounce, normalized', () => {
    const bounce = {
      eventType: 'Bounce',
      bounce: { bounceType: 'Permanent', bounceSubType: 'NoEmail', bouncedRecipients: [{ emailAddress: ' A@Acme.example ' }, { emailAddress: 'b@acme.example' }], timestamp: '2026-03-02T10:00:05.000Z' },
      mail,
    };
    expect(suppressionsOf(bounce)).toEqual([
      { email: 'a@acme.example', reason: 'bounced', at: '2026-03-02T10:00:05.000Z', detail: 'Permanent bounce (NoEmail)' },
      { email: 'b@acme.example', reason: 'bounced', at: '2026-03-02T10:00:05.000Z', detail: 'Permanent bounce (NoEmail)' },
    ]);
  });

  it('leaves a transient bounce to SES’s own retries', () => {
    expect(suppressionsOf({ eventType: 'Bounce', bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'a@acme.example' }] }, mail })).toEqual([]);
  });

  it('suppresses who complained, from an event or a notification alike', () => {
    const complaint = { complaint: { complainedRecipients: [{ emailAddress: 'a@acme.example' }], complaintFeedbackType: 'abuse' }, mail };
    const expected = [{ email: 'a@acme.example', reason: 'complained', at: '2026-03-02T10:00:00.000Z', detail: 'complaint (abuse)' }];
    expect(suppressionsOf({ eventType: 'Complaint', ...complaint })).toEqual(expected);
    expect(suppressionsOf({ notificationType: 'Complaint', ...complaint })).toEqual(expected);
  });

  it('ignores other events and shapes it does not know', () => {
    expect(suppressionsOf({ eventType: 'Delivery', delivery: {}, mail })).toEqual([]);
    expect(suppressionsOf({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'not an address' }] } })).toEqual([]);
    expect(suppressionsOf('Bounce')).toEqual([]);
    expect(suppressionsOf(null)).toEqual([]);
  });
});
