import { describe, expect, it } from 'vitest';
import { checkDashboardToken, dashboardLinkUrl, dashboardToken, isDashboardToken, signLink } from '#core/links.ts';

const KEY = 'link-signing-key-for-tests';
const now = new Date('2026-03-09T07:00:00.000Z');
const inTwoWeeks = new Date('2026-03-23T07:00:00.000Z');

describe('the dashboard link of the weekly digest', () => {
  it('is a token the report API tells from a server key by its shape, valid until its expiry', () => {
    const token = dashboardToken(inTwoWeeks, KEY);
    expect(token).toMatch(/^dl1\.1774249200\.[A-Za-z0-9_-]{43}$/);
    expect(isDashboardToken(token)).toBe(true);
    expect(isDashboardToken('sk_abcdef')).toBe(false);
    expect(checkDashboardToken(token, KEY, now)).toEqual({ status: 'valid', expiresAt: inTwoWeeks });
  });

  it('is expired from its expiry on, and says when that was', () => {
    const token = dashboardToken(inTwoWeeks, KEY);
    expect(checkDashboardToken(token, KEY, inTwoWeeks)).toEqual({ status: 'expired', expiresAt: inTwoWeeks });
  });

  it('is invalid when its expiry is moved, its signature changed, or another key signed it', () => {
    const token = dashboardToken(inTwoWeeks, KEY);
    const [, exp, signature] = token.split('.') as [string, string, string];
    expect(checkDashboardToken(`dl1.${Number(exp) + 86_400}.${signature}`, KEY, now).status).toBe('invalid');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expect(checkDashboardToken(`dl1.${exp}.${flipped}`, KEY, now).status).toBe('invalid');
    expect(checkDashboardToken(dashboardToken(inTwoWeeks, 'another-key'), KEY, now).status).toBe('invalid');
    expect(checkDashboardToken('dl1.garbage', KEY, now).status).toBe('invalid');
  });

  it('never verifies with a hand-off link’s signature made with the same key', () => {
    const exp = Math.floor(inTwoWeeks.getTime() / 1000);
    const handoff = signLink({ leadId: '', cycle: 0, repId: '', action: 'accept', exp }, KEY);
    expect(checkDashboardToken(`dl1.${exp}.${handoff}`, KEY, now).status).toBe('invalid');
  });

  it('travels in the address’s fragment, which browsers never send to a server', () => {
    expect(dashboardLinkUrl('https://api.example.test/dashboard', 'dl1.1.x')).toBe('https://api.example.test/dashboard#link=dl1.1.x');
    expect(dashboardLinkUrl('https://api.example.test/dashboard#old', 'dl1.1.x')).toBe('https://api.example.test/dashboard#link=dl1.1.x');
  });
});
