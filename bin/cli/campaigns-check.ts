import { parseArgs } from 'node:util';
import { campaignOverlaps, campaignsSchema, campaignTypes, type Campaign, type CampaignsConfig, type EventRule, type UtmRule } from '#core/campaigns.ts';
import { loadConfigFile, readConfigFile } from './config-file.ts';
import type { CliIo } from './run.ts';

/**
 * `leadloop campaigns check [file]`: the campaigns file validated the way the
 * deployed functions validate it, with every problem at its line, or the
 * campaigns in words: what each is, when it runs, what it cost, and which
 * touches count for it.
 */

export const DEFAULT_CAMPAIGNS_FILE = 'config/campaigns.json';

export const CAMPAIGNS_USAGE = `Usage: leadloop campaigns check [file]

Checks a campaigns file (JSON, ${DEFAULT_CAMPAIGNS_FILE} when no file is given)
with the same rules the deployed functions use. Valid campaigns are listed in
words: type, owner, dates, cost, and the UTM values, referrers, tracked events
and sales activities that count for each. An invalid file is refused with every
problem at its field and line.

Options:
  -h, --help           Show this help

Exit status: 0 when the file is valid, 1 when it is not or cannot be read, 2 for a usage error.`;

export type LoadedCampaigns = { ok: true; config: CampaignsConfig } | { ok: false; output: string };

/** Reads campaigns from a file's text, or says what is wrong with it, line by line. */
export function loadCampaigns(file: string, text: string): LoadedCampaigns {
  const loaded = loadConfigFile(file, text, campaignsSchema, 'campaigns file');
  return loaded.ok ? { ok: true, config: loaded.config } : loaded;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const amount = (n: number) => n.toLocaleString('en-US');

/** `a`, `a or b`, `a, b or c`. */
function either(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** `a`, `a and b`, `a, b and c`. */
function all(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function utmInWords(rule: UtmRule): string {
  const fields = (['source', 'medium', 'campaign', 'content', 'term'] as const).flatMap((field) => (rule[field] === undefined ? [] : [`${field} ${rule[field]}`]));
  return `UTM ${fields.join(', ')}`;
}

function eventInWords(rule: EventRule): string {
  const properties = Object.entries(rule.properties ?? {}).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  return `tracked event "${rule.event}"${properties.length === 0 ? '' : ` with ${properties.join(' and ')}`}`;
}

function whenInWords(campaign: Campaign): string {
  return campaign.end === undefined ? `from ${campaign.start}, open-ended` : `${campaign.start} to ${campaign.end}`;
}

function campaignInWords(campaign: Campaign): string[] {
  const { match } = campaign;
  const cost = campaign.cost === undefined ? 'no cost given' : `cost ${amount(campaign.cost.amount)} ${campaign.cost.currency}`;
  const rules = [
    ...(match.utm ?? []).map(utmInWords),
    ...(match.referrers?.length ? [`referral from ${either(match.referrers)} (and subdomains)`] : []),
    ...(match.events ?? []).map(eventInWords),
    ...(match.activities ?? []).map(
      (rule) =>
        `sales ${rule.kind ?? 'activity'}${rule.resultContains === undefined ? '' : ` whose result contains "${rule.resultContains}"`}`,
    ),
  ];
  return [
    `  ${campaign.id}: ${campaign.name}`,
    `      ${campaign.type}, owned by ${campaign.owner}; ${whenInWords(campaign)}; ${cost}`,
    `      counts ${rules.length === 1 ? 'a touch that matches' : 'a touch that matches any of'}:`,
    ...rules.map((rule) => `        ${rule}`),
  ];
}

/** The campaigns in words: each with what counts for it, then the counts by type and the cost per currency. */
export function summarizeCampaigns(config: CampaignsConfig): string {
  const { campaigns } = config;
  const byType = campaignTypes.flatMap((type) => {
    const n = campaigns.filter((campaign) => campaign.type === type).length;
    return n === 0 ? [] : [`${type} ${n}`];
  });
  const costs = new Map<string, number>();
  for (const { cost } of campaigns) if (cost) costs.set(cost.currency, (costs.get(cost.currency) ?? 0) + cost.amount);
  const costed = campaigns.filter((campaign) => campaign.cost !== undefined).length;
  const overlaps = new Map<string, string[]>();
  for (const { earlier, later } of campaignOverlaps(config)) overlaps.set(later, [...(overlaps.get(later) ?? []), earlier]);
  return [
    campaigns.length === 0
      ? 'No campaigns defined.'
      : `${plural(campaigns.length, 'campaign')} (when two match the same touch, the one listed first wins):`,
    '',
    ...campaigns.flatMap(campaignInWords),
    ...(overlaps.size === 0
      ? []
      : [
          '',
          'Overlaps (one touch can match both; the campaign listed first wins it):',
          ...[...overlaps].map(([later, earlier]) => `  ${later} gives way to ${all(earlier)}`),
        ]),
    ...(campaigns.length === 0 ? [] : ['', `By type: ${byType.join(', ')}`]),
    costed === 0
      ? 'Cost: none given'
      : `Cost: ${[...costs].map(([currency, total]) => `${amount(total)} ${currency}`).join(' + ')} (${plural(costed, 'campaign')} with a cost, ${campaigns.length - costed} without)`,
    'A touch no campaign matches is reported under its UTM campaign name (or its source), as not defined.',
  ].join('\n');
}

const isHelp = (arg: string | undefined) => arg === '-h' || arg === '--help' || arg === 'help';

function usageError(io: CliIo, message: string): number {
  io.err(`leadloop: ${message}\n\n${CAMPAIGNS_USAGE}`);
  return 2;
}

/** `leadloop campaigns …` (the arguments after `campaigns`); returns the exit status. */
export function campaignsCommand(args: readonly string[], io: CliIo): number {
  if (args.some(isHelp)) {
    io.out(CAMPAIGNS_USAGE);
    return 0;
  }
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: [...args], options: {}, allowPositionals: true }));
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const [subcommand, file = DEFAULT_CAMPAIGNS_FILE, ...extra] = positionals;
  if (subcommand === undefined) return usageError(io, 'campaigns needs a subcommand');
  if (subcommand !== 'check') return usageError(io, `unknown campaigns subcommand "${subcommand}"`);
  if (extra.length > 0) return usageError(io, `campaigns check takes one file, got also ${extra.join(' ')}`);

  const config = readConfigFile(io, file, loadCampaigns);
  if (typeof config === 'number') return config;
  io.out(summarizeCampaigns(config));
  return 0;
}
