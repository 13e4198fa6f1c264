import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappingFile, resolveMapping, stageFor, type CrmMapping } from '../../../bin/cli/outcomes-import-mapping.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const shipped = (name: string) => {
  const file = `config/crm-mappings/${name}`;
  return { file, text: readFileSync(path.join(root, file), 'utf8') };
};

function valid(file: string, text: string): CrmMapping {
  const loaded = loadMappingFile(file, text);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return loaded.mapping;
}

/** A small mapping, as a file's text, with `change` applied to its JSON. */
function mappingText(change: (json: Record<string, unknown>) => void = () => undefined): string {
  const json: Record<string, unknown> = {
    columns: { outcomeId: 'Deal ID', email: 'Email', stage: 'Stage', at: 'Closed' },
    stages: { 'Closed Won': 'won', 'Closed Lost': 'lost' },
  };
  change(json);
  return JSON.stringify(json, null, 2);
}

describe('the shipped CRM mappings', () => {
  it("map HubSpot's default deal stages and columns", () => {
    // Act
    const { file, text } = shipped('hubspot-deals.json');
    const mapping = valid(file, text);

    // Assess
    expect(mapping.columns).toMatchObject({ outcomeId: 'Record ID', stage: 'Deal Stage', email: 'Associated Contact', amount: 'Amount', repId: 'Deal owner' });
    expect(['Appointment Scheduled', 'Contract Sent', 'closed won', 'Closed Lost'].map((name) => stageFor(mapping, name))).toEqual(['sql', 'opportunity', 'won', 'lost']);
    expect(mapping.atByStage).toEqual({ sql: 'Create Date', opportunity: 'Create Date' });
  });

  it("map Salesforce's default opportunity stages and report columns", () => {
    // Act
    const { file, text } = shipped('salesforce-opportunities.json');
    const mapping = valid(file, text);

    // Assess
    expect(mapping.columns).toMatchObject({ outcomeId: 'Opportunity ID', stage: 'Stage', email: 'Email', currency: 'Amount Currency', repId: 'Opportunity Owner' });
    expect(['Prospecting', 'Negotiation/Review', 'Closed Won', 'Closed Lost'].map((name) => stageFor(mapping, name))).toEqual(['sql', 'opportunity', 'won', 'lost']);
    expect([mapping.dateFormat, mapping.endsAtBlankRow]).toEqual(['M/D/YYYY', true]);
  });
});

describe('a mapping file', () => {
  it('is refused at the line of a stage mapped to something that is not a LeadLoop stage', () => {
    // Prepare
    const text = mappingText((json) => {
      json.stages = { 'Closed Won': 'won', 'Closed Lost': 'closed-lost' };
    });
    const line = text.split('\n').findIndex((l) => l.includes('"Closed Lost"')) + 1;

    // Act
    const loaded = loadMappingFile('deals.json', text);

    // Assess
    expect(loaded).toEqual({ ok: false, problems: [expect.stringMatching(new RegExp(`^deals\\.json:${line}: stages\\.Closed Lost: a LeadLoop stage \\(sql, opportunity, won, lost, disqualified, recycled\\) or skip$`))] });
  });

  it('needs a column naming the lead, and says which field is missing', () => {
    // Act
    const loaded = loadMappingFile(
      'deals.json',
      mappingText((json) => {
        json.columns = { outcomeId: 'Deal ID', stage: 'Stage' };
      }),
    );

    // Assess
    expect(loaded.ok).toBe(false);
    const problems = (loaded as { problems: string[] }).problems;
    expect(problems).toContainEqual(expect.stringMatching(/^deals\.json:\d+: columns\.at: is missing/));
  });

  it('refuses an unknown field, a currency that is not a code, and the same stage name twice', () => {
    // Act
    const loaded = loadMappingFile(
      'deals.json',
      mappingText((json) => {
        json.currency = 'eur';
        json.stage = 'Stage';
        json.stages = { 'Closed Won': 'won', 'closed won ': 'lost' };
      }),
    );

    // Assess
    expect(loaded.ok).toBe(false);
    const problems = (loaded as { problems: string[] }).problems.join('\n');
    expect(problems).toContain('currency: an ISO 4217 currency code');
    expect(problems).toContain('stage: not a known field');
    expect(problems).toContain('stages.closed won : the same stage name as "Closed Won"');
  });

  it('says where JSON that does not parse is wrong', () => {
    expect(loadMappingFile('deals.json', '{"columns": ')).toEqual({ ok: false, problems: [expect.stringMatching(/^deals\.json: not valid JSON: /)] });
  });
});

describe('a mapping from flags', () => {
  it('takes --map at its first "=" and --stage at its last, and dates one stage from another column', () => {
    // Act
    const resolved = resolveMapping(undefined, {
      map: ['outcomeId=Deal ID', 'email=Contact = primary', 'stage=Deal Stage', 'at=Close Date', 'at.opportunity=Create Date'],
      stage: ['Closed Won=won', 'Stage = 2=opportunity', 'Lead=skip'],
      currency: 'EUR',
    });

    // Assess
    expect(resolved).toEqual({
      ok: true,
      mapping: {
        columns: { outcomeId: 'Deal ID', email: 'Contact = primary', stage: 'Deal Stage', at: 'Close Date' },
        atByStage: { opportunity: 'Create Date' },
        stages: { 'Closed Won': 'won', 'Stage = 2': 'opportunity', Lead: 'skip' },
        currency: 'EUR',
      },
    });
  });

  it("adds to a mapping file's and replaces its entry for the same stage name, however it is spelt", () => {
    // Prepare
    const { file, text } = shipped('hubspot-deals.json');
    const base = valid(file, text);

    // Act
    const resolved = resolveMapping(base, { stage: ['contract sent=sql', 'Demo Done=opportunity'], map: ['currency=Currency'] }, file);

    // Assess
    expect(resolved.ok).toBe(true);
    const { mapping } = resolved as { mapping: CrmMapping };
    expect(stageFor(mapping, 'Contract Sent')).toBe('sql');
    expect(Object.keys(mapping.stages).filter((name) => name.toLowerCase() === 'contract sent')).toEqual(['contract sent']);
    expect(stageFor(mapping, 'demo done')).toBe('opportunity');
    expect(mapping.columns.currency).toBe('Currency');
    expect(mapping.columns.outcomeId).toBe('Record ID');
  });

  it('names the flag of each problem', () => {
    // Act
    const unknown = resolveMapping(undefined, { map: ['deal=Deal ID'] });
    const badStage = resolveMapping(undefined, { map: ['at.closed=Close Date'] });
    const noValue = resolveMapping(undefined, { stage: ['Closed Won='] });
    const missing = resolveMapping(undefined, { map: ['outcomeId=Deal ID', 'email=Email'], stage: ['Won=won'], currency: 'euro', timeZone: 'Mars/Olympus' });

    // Assess
    expect(unknown).toEqual({ ok: false, problems: [expect.stringMatching(/^--map: unknown field "deal"; the fields are outcomeId, leadId, email, stage, at,/)] });
    expect(badStage).toEqual({ ok: false, problems: [expect.stringContaining('--map at.closed: at.<stage> takes a LeadLoop stage')] });
    expect(noValue).toEqual({ ok: false, problems: ['--stage takes <name>=<value>, got "Closed Won="'] });
    expect(missing.ok).toBe(false);
    expect((missing as { problems: string[] }).problems).toEqual(
      expect.arrayContaining([
        'the stage column is required: --map stage=<column>',
        'the at column is required: --map at=<column>',
        '--currency: an ISO 4217 currency code: three capital letters, e.g. EUR',
        '--time-zone: an IANA time zone, e.g. Europe/Berlin or UTC',
      ]),
    );
  });
});
