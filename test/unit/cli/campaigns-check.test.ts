import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAMPAIGNS_USAGE, loadCampaigns, summarizeCampaigns } from '../../../bin/cli/campaigns-check.ts';
import { run, USAGE, type CliIo } from '../../../bin/cli/run.ts';
import { campaignsSchema, type CampaignsConfig } from '#core/campaigns.ts';

/** A small campaigns file; each test changes what it is about. */
function fileInput() {
  return {
    campaigns: [
      {
        id: 'brand-search',
        name: 'Brand search',
        type: 'paid',
        owner: 'Jo Park',
        start: '2026-01-01',
        end: '2026-06-30',
        cost: { amount: 18000, currency: 'EUR' },
        match: { utm: [{ source: 'google', medium: 'cpc', campaign: 'brand-*' }] },
      },
      {
        id: 'webinar',
        name: 'Webinar: pipeline hygiene',
        type: 'event',
        owner: 'Maria Lopez',
        start: '2026-03-02',
        cost: { amount: 2500.5, currency: 'EUR' },
        match: {
          referrers: ['linkedin.com', 'lnkd.in'],
          events: [{ event: 'Webinar Attended', properties: { webinarId: 'w-12', live: true } }],
        },
      },
      {
        id: 'roi-deck',
        name: 'ROI deck sent',
        type: 'sales',
        owner: 'Ana Manager',
        start: '2026-01-01',
        match: { activities: [{ kind: 'email', resultContains: 'roi deck' }, { resultContains: 'case study' }] },
      },
      {
        id: 'all-search',
        name: 'All other paid search',
        type: 'paid',
        owner: 'Jo Park',
        start: '2026-01-01',
        cost: { amount: 400, currency: 'USD' },
        match: { utm: [{ medium: 'cpc' }] },
      },
    ],
  };
}

const parsed = (input: unknown = fileInput()): CampaignsConfig => campaignsSchema.parse(input);

describe('the campaigns summary', () => {
  it('says how many campaigns there are and which wins when two match', () => {
    expect(summarizeCampaigns(parsed()).split('\n')[0]).toBe('4 campaigns (when two match the same touch, the one listed first wins):');
  });

  it('names each campaign with its type, owner, dates and cost, and what counts for it', () => {
    const lines = summarizeCampaigns(parsed()).split('\n');

    expect(lines).toContain('  brand-search: Brand search');
    expect(lines).toContain('      paid, owned by Jo Park; 2026-01-01 to 2026-06-30; cost 18,000 EUR');
    expect(lines).toContain('      counts a touch that matches:');
    expect(lines).toContain('        UTM source google, medium cpc, campaign brand-*');
    expect(lines).toContain('      event, owned by Maria Lopez; from 2026-03-02, open-ended; cost 2,500.5 EUR');
    expect(lines).toContain('      counts a touch that matches any of:');
    expect(lines).toContain('        referral from linkedin.com or lnkd.in (and subdomains)');
    expect(lines).toContain('        tracked event "Webinar Attended" with webinarId = "w-12" and live = true');
    expect(lines).toContain('      sales, owned by Ana Manager; from 2026-01-01, open-ended; no cost given');
    expect(lines).toContain('        sales email whose result contains "roi deck"');
    expect(lines).toContain('        sales activity whose result contains "case study"');
  });

  it('names the campaigns that give way to one listed before them', () => {
    const lines = summarizeCampaigns(parsed()).split('\n');

    expect(lines).toContain('Overlaps (one touch can match both; the campaign listed first wins it):');
    expect(lines).toContain('  all-search gives way to brand-search');
    expect(lines.filter((line) => line.includes('gives way'))).toHaveLength(1);
  });

  it('says nothing of overlaps when there are none', () => {
    const input = fileInput();
    input.campaigns.pop();

    expect(summarizeCampaigns(parsed(input))).not.toContain('Overlaps');
  });

  it('counts the campaigns by type and adds up their cost per currency', () => {
    const lines = summarizeCampaigns(parsed()).split('\n');

    expect(lines).toContain('By type: paid 2, event 1, sales 1');
    expect(lines).toContain('Cost: 20,500.5 EUR + 400 USD (3 campaigns with a cost, 1 without)');
    expect(lines.at(-1)).toBe('A touch no campaign matches is reported under its UTM campaign name (or its source), as not defined.');
  });

  it('says so when no campaign is defined', () => {
    const summary = summarizeCampaigns(parsed({ campaigns: [] }));

    expect(summary.split('\n')[0]).toBe('No campaigns defined.');
    expect(summary).toContain('Cost: none given');
  });
});

describe('loading a campaigns file', () => {
  it('passes a valid file and answers it', () => {
    expect(loadCampaigns('campaigns.json', JSON.stringify(fileInput(), null, 2))).toEqual({ ok: true, config: parsed() });
  });

  it('refuses an invalid file with every problem at its field and line', () => {
    // Prepare: lines as JSON.stringify(…, null, 2) lays the file out
    const input = fileInput() as { campaigns: Record<string, unknown>[] };
    input.campaigns[0]!.end = '2025-12-31';
    delete input.campaigns[1]!.owner;
    input.campaigns[2]!.budget = 5;
    (input.campaigns[3]!.match as { utm: unknown[] }).utm[0] = { medium: '*' };
    const text = JSON.stringify(input, null, 2);
    const lineOf = (needle: string, from = 0) => text.slice(0, text.indexOf(needle, from)).split('\n').length;

    // Act
    const result = loadCampaigns('campaigns.json', text);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.output.split('\n')).toEqual([
      'campaigns.json is not a valid campaigns file (4 problems):',
      `campaigns.json:${lineOf('"end"')}: campaigns[0].end: the end (2025-12-31) is before the start (2026-01-01)`,
      // a missing field is shown where its campaign begins
      `campaigns.json:${lineOf('{', text.lastIndexOf('{', text.indexOf('"id": "webinar"')))}: campaigns[1].owner: is missing (a string is required)`,
      `campaigns.json:${lineOf('"budget"')}: campaigns[2].budget: not a known field`,
      // a problem with a whole rule is shown where the rule begins
      `campaigns.json:${lineOf('{', text.lastIndexOf('{', text.indexOf('"medium": "*"')))}: campaigns[3].match.utm[0]: this rule matches every touch: give at least one value that is not only *`,
    ]);
  });

  it('refuses text that is not JSON, at the line of the mistake', () => {
    const result = loadCampaigns('campaigns.json', '{\n  "campaigns": [\n    { "id" "x" }\n  ]\n}\n');

    expect(result.ok).toBe(false);
    expect(!result.ok && result.output).toMatch(/^campaigns\.json:3: not valid JSON: /);
  });

  it('refuses a JSON document that is not an object, naming the root', () => {
    const result = loadCampaigns('campaigns.json', '[]');

    expect(!result.ok && result.output).toContain('campaigns.json:1: (root): ');
  });
});

describe('leadloop campaigns check', () => {
  async function runWith(args: string[], files: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      readFile: (file) => {
        const text = files[file];
        if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
        return text;
      },
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: {},
      progress: { write: () => undefined },
      onInterrupt: () => () => undefined,
    };
    const status = await run(args, io);
    return { status, out: out.join('\n'), err: err.join('\n') };
  }

  it('is listed in the usage', () => {
    expect(USAGE).toContain('campaigns check [file]');
  });

  it.each([[['campaigns', '--help']], [['campaigns', 'check', '--help']], [['campaigns', 'check', 'c.json', '-h']]])('prints its usage for %j', async (args) => {
    expect(await runWith(args)).toEqual({ status: 0, out: CAMPAIGNS_USAGE, err: '' });
  });

  it.each([
    [['campaigns'], 'campaigns needs a subcommand'],
    [['campaigns', 'lint'], 'unknown campaigns subcommand "lint"'],
    [['campaigns', 'check', 'a.json', 'b.json'], 'campaigns check takes one file, got also b.json'],
    [['campaigns', 'check', '--verbose'], "Unknown option '--verbose'"],
  ])('exits 2 with the problem and the usage for %j', async (args, problem) => {
    const { status, out, err } = await runWith(args);

    expect(status).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')[0]).toContain(`leadloop: ${problem}`);
    expect(err).toContain('Usage: leadloop campaigns check');
  });

  it('exits 0 and prints the summary for a valid file', async () => {
    const { status, out, err } = await runWith(['campaigns', 'check', 'c.json'], { 'c.json': JSON.stringify(fileInput()) });

    expect({ status, err }).toEqual({ status: 0, err: '' });
    expect(out).toBe(summarizeCampaigns(parsed()));
  });

  it('checks config/campaigns.json when no file is given', async () => {
    const { status, out } = await runWith(['campaigns', 'check'], { 'config/campaigns.json': JSON.stringify(fileInput()) });

    expect(status).toBe(0);
    expect(out).toContain('4 campaigns');
  });

  it('exits 1 with the problems on stderr for an invalid file', async () => {
    const input = fileInput() as { campaigns: Record<string, unknown>[] };
    input.campaigns[0]!.type = 'tv';
    const text = JSON.stringify(input, null, 2);

    const { status, out, err } = await runWith(['campaigns', 'check', 'c.json'], { 'c.json': text });

    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`c.json:${text.slice(0, text.indexOf('"tv"')).split('\n').length}: campaigns[0].type: `);
  });

  it('exits 1 naming the file it cannot read', async () => {
    const { status, err } = await runWith(['campaigns', 'check', 'nowhere.json']);

    expect(status).toBe(1);
    expect(err).toMatch(/^leadloop: cannot read nowhere\.json: ENOENT/);
  });

  it('passes the shipped campaigns file', async () => {
    const file = 'config/campaigns.json';
    const text = readFileSync(path.resolve(import.meta.dirname, '../../..', file), 'utf8');

    const { status, out, err } = await runWith(['campaigns', 'check', file], { [file]: text });

    expect({ status, err }).toEqual({ status: 0, err: '' });
    expect(out).toMatch(/^\d+ campaigns \(when two match/);
  });
});
