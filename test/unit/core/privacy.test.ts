import { describe, expect, it } from 'vitest';
import { privacy } from '#config/index.ts';
import privacyJson from '#config/privacy.json' with { type: 'json' };
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import { privacySchema, withKeptQuery } from '#core/privacy.ts';
import { toStoredEvent, trackingEventSchema } from '#core/tracking-event.ts';

const campaignOnly = { keptQueryParameters: ['utm_*', 'gclid'] };

describe('query parameters kept in stored URLs', () => {
  it('removes a password sent in the URL of a GET form and keeps the campaign parameters as written', () => {
    // Prepare
    const url = 'https://acme.example/login?user=jo%40acme.example&password=hunter2&utm_source=news&utm_campaign=spring%20sale&gclid=Cj0K';

    // Act
    const kept = withKeptQuery(url, campaignOnly);

    // Assess
    expect(kept).toBe('https://acme.example/login?utm_source=news&utm_campaign=spring%20sale&gclid=Cj0K');
  });

  it('drops the question mark when nothing is kept, and leaves a URL without a query as it is', () => {
    expect(withKeptQuery('https://acme.example/search?q=salaries', campaignOnly)).toBe('https://acme.example/search');
    expect(withKeptQuery('https://acme.example/pricing', campaignOnly)).toBe('https://acme.example/pricing');
  });

  it('filters relative URLs and bare search strings the same way', () => {
    expect(withKeptQuery('/reset?token=s3cret&utm_medium=email', campaignOnly)).toBe('/reset?utm_medium=email');
    expect(withKeptQuery('?token=s3cret&utm_medium=email', campaignOnly)).toBe('?utm_medium=email');
  });

  it('matches parameter names case-insensitively, also when they are percent-encoded', () => {
    expect(withKeptQuery('https://a.example/?UTM_Source=x&%75tm_medium=y&GCLID=z&password=p', campaignOnly)).toBe(
      'https://a.example/?UTM_Source=x&%75tm_medium=y&GCLID=z',
    );
  });

  it('drops a fragment that carries parameters (an OAuth token) and keeps one that is a route', () => {
    expect(withKeptQuery('https://app.example/cb?utm_source=x#access_token=abc&state=1', campaignOnly)).toBe('https://app.example/cb?utm_source=x');
    expect(withKeptQuery('https://app.example/?password=p#/pricing', campaignOnly)).toBe('https://app.example/#/pricing');
  });

  it('keeps every parameter when configured with *', () => {
    expect(withKeptQuery('https://a.example/?a=1&b=2', { keptQueryParameters: ['*'] })).toBe('https://a.example/?a=1&b=2');
  });
});

describe('the privacy configuration', () => {
  it('ships with the UTM parameters and the common ad click ids', () => {
    expect(privacy).toEqual(privacyJson);
    expect(privacy.keptQueryParameters).toEqual(expect.arrayContaining(['utm_*', 'gclid', 'fbclid', 'msclkid', 'li_fat_id']));
  });

  it('names the file and the entry that is not a parameter name', () => {
    // Prepare
    const broken = { keptQueryParameters: ['utm_*', 'pass=word'] };

    // Act
    const parse = () => parseConfig('config/privacy.json', privacySchema, broken);

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/config\/privacy\.json[\s\S]*keptQueryParameters\[1\]/);
  });
});

describe('an event as stored', () => {
  it('keeps no private query parameter in the page URL, the referrer or the URL-valued page properties', () => {
    // Prepare: what Segment's page() sends after a login form sent with GET
    const event = trackingEventSchema.parse({
      type: 'page',
      anonymousId: 'a-1',
      properties: {
        url: 'https://acme.example/welcome?password=hunter2&utm_source=news',
        referrer: 'https://acme.example/login?password=hunter2',
        search: '?password=hunter2&utm_source=news',
        path: '/welcome',
        title: 'Welcome',
      },
      context: { page: { url: 'https://acme.example/welcome?password=hunter2&utm_source=news', referrer: 'https://acme.example/login?password=hunter2' } },
    });

    // Act
    const stored = toStoredEvent(event, new Date('2026-03-01T10:00:00Z'), 'website', privacy);

    // Assess
    expect(stored.url).toBe('https://acme.example/welcome?utm_source=news');
    expect(stored.referrer).toBe('https://acme.example/login');
    expect(stored.properties).toEqual({
      url: 'https://acme.example/welcome?utm_source=news',
      referrer: 'https://acme.example/login',
      search: '?utm_source=news',
      path: '/welcome',
      title: 'Welcome',
    });
    expect(JSON.stringify(stored)).not.toContain('hunter2');
  });
});
