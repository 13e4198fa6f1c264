import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappingFile, resolveMapping, type CrmMapping, type MappingFlags } from '../../../bin/cli/outcomes-import-mapping.ts';
import { leadIdFor } from '#core/lead-id.ts';
import { emailIn, mapRows, parseAmount, parseDate, readCsv, type MappedRows } from '../../../bin/cli/outcomes-import-rows.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const NOW = new Date('2026-12-01T09:00:00.000Z');

function shippedMapping(name: string, flags: MappingFlags = {}): CrmMapping {
  const file = `config/crm-mappings/${name}`;
  const loaded = loadMappingFile(file, readFileSync(path.join(root, file), 'utf8'));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const resolved = resolveMapping(loaded.mapping, flags, file);
  if (!resolved.ok) throw new Error(resolved.problems.join('\n'));
  return resolved.mapping;
}

function table(text: string, delimiter?: ',' | ';') {
  const read = readCsv(text, delimiter);
  if (!read.ok) throw new Error(read.message);
  return read;
}

function mapped(text: string, mapping: CrmMapping): MappedRows {
  const result = mapRows(table(text), mapping, NOW);
  if ('missingColumns' in result) throw new Error(`missing ${result.missingColumns.join(', ')}`);
  return result;
}

const HUBSPOT_HEADER = '"Record ID","Deal Name","Deal Stage","Amount","Close Date","Create Date","Deal owner","Associated Contact","Closed Lost Reason"';

describe('reading a CSV export', () => {
  it('drops a byte order mark, keeps quoted commas and line breaks in their cell, and counts rows as a spreadsheet does', () => {
    // Act
    const read = table('\uFEFFRecord ID,Deal Name\r\n1,"Acme, Inc."\r\n\r\n2,"two\nlines"\r\n3,Initech\r\n');

    // Assess: the empty line is a row of its own, so "Initech" is row 5 (header row 1)
    expect(read.header).toEqual(['Record ID', 'Deal Name']);
    expect(read.rows).toEqual([['1', 'Acme, Inc.'], [''], ['2', 'two\nlines'], ['3', 'Initech']]);
  });

  it('reads semicolon-separated exports', () => {
    expect(table('a;b\n"1;2";3\n', ';').rows).toEqual([['1;2', '3']]);
  });

  it('says what is wrong with a file that is not CSV', () => {
    expect(readCsv('a,b\n1,"open\n')).toEqual({ ok: false, message: expect.stringMatching(/Quote Not Closed/) });
    expect(readCsv('')).toEqual({ ok: false, message: 'the file has no header row' });
  });
});

describe('amounts as exports write them', () => {
  it.each([
    ['12500', '1,234.56', { amount: 12500 }],
    ['12,500.50', '1,234.56', { amount: 12500.5 }],
    ['USD 12,500.00', '1,234.56', { amount: 12500, currency: 'USD' }],
    ['12500 GBP', '1,234.56', { amount: 12500, currency: 'GBP' }],
    ['$1,000', '1,234.56', { amount: 1000 }],
    ['£99.99', '1,234.56', { amount: 99.99, currency: 'GBP' }],
    ['12.500,00 €', '1.234,56', { amount: 12500, currency: 'EUR' }],
    ['12\u00a0500,5', '1 234,56', { amount: 12500.5 }],
    ['(250.00)', '1,234.56', { amount: -250 }],
    ['-250', '1,234.56', { amount: -250 }],
  ] as const)('reads %j written as %s', (cell, format, expected) => {
    expect(parseAmount(cell, format)).toEqual(expected);
  });

  it.each([
    ['12.500,00', '1,234.56'],
    ['1,2,3', '1,234.56'],
    ['12,50', '1,234.56'],
    ['about 5k', '1,234.56'],
  ] as const)('refuses %j written as %s', (cell, format) => {
    expect(parseAmount(cell, format)).toEqual({ error: `"${cell}" is not an amount written as ${format}` });
  });

  it('refuses an amount naming two currencies', () => {
    expect(parseAmount('USD €100', '1,234.56')).toEqual({ error: '"USD €100" names two currencies, USD and €' });
  });
});

describe('dates as exports write them', () => {
  it.each([
    ['2026-03-15', 'YYYY-MM-DD', 'UTC', '2026-03-15T00:00:00.000Z'],
    ['2026-03-15 14:31', 'YYYY-MM-DD', 'UTC', '2026-03-15T14:31:00.000Z'],
    ['2026-03-15T10:00:00+02:00', 'YYYY-MM-DD', 'UTC', '2026-03-15T08:00:00.000Z'],
    ['2026-03-15T10:00:00.250Z', 'M/D/YYYY', 'Europe/Berlin', '2026-03-15T10:00:00.250Z'],
    ['3/15/2026', 'M/D/YYYY', 'UTC', '2026-03-15T00:00:00.000Z'],
    ['3/15/2026 2:31 PM', 'M/D/YYYY', 'UTC', '2026-03-15T14:31:00.000Z'],
    ['3/15/2026, 12:05 AM', 'M/D/YYYY', 'UTC', '2026-03-15T00:05:00.000Z'],
    ['15/03/2026 14:31', 'D/M/YYYY', 'UTC', '2026-03-15T14:31:00.000Z'],
    ['15.03.2026', 'D.M.YYYY', 'UTC', '2026-03-15T00:00:00.000Z'],
    // Berlin is UTC+1 in winter and UTC+2 in summer
    ['2026-01-15 12:00', 'YYYY-MM-DD', 'Europe/Berlin', '2026-01-15T11:00:00.000Z'],
    ['7/1/2026 12:00 PM', 'M/D/YYYY', 'Europe/Berlin', '2026-07-01T10:00:00.000Z'],
    ['2026-07-01', 'YYYY-MM-DD', 'America/New_York', '2026-07-01T04:00:00.000Z'],
    // clocks change: Berlin skips 02:00–03:00 on 29 March 2026 (read with the offset before: 03:30 CEST)
    // and repeats 02:00–03:00 on 25 October 2026 (read as the first, still CEST)
    ['2026-03-29 02:30', 'YYYY-MM-DD', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['2026-10-25 02:30:00.5', 'YYYY-MM-DD', 'Europe/Berlin', '2026-10-25T00:30:00.500Z'],
  ] as const)('reads %j (%s, %s) as %s', (cell, format, zone, expected) => {
    expect(parseDate(cell, format, zone)).toEqual({ at: expected });
  });

  it.each([
    ['3/15/2026', 'YYYY-MM-DD', '"3/15/2026" is not a date written as YYYY-MM-DD'],
    ['15/03/2026', 'M/D/YYYY', '"15/03/2026" is not a date written as YYYY-MM-DD or M/D/YYYY (no such month)'],
    ['2026-02-30', 'YYYY-MM-DD', '"2026-02-30" is not a date written as YYYY-MM-DD (no such day)'],
    ['3/15/2026 13:00 PM', 'M/D/YYYY', '"3/15/2026 13:00 PM" has an hour 13 with PM'],
    ['March 15, 2026', 'M/D/YYYY', '"March 15, 2026" is not a date written as YYYY-MM-DD or M/D/YYYY'],
  ] as const)('refuses %j written as %s', (cell, format, error) => {
    expect(parseDate(cell, format, 'UTC')).toEqual({ error });
  });
});

describe('the email in a cell', () => {
  it('is the first address in it, whatever is around it', () => {
    expect(['Jane Doe (jane@acme.example)', 'a@x.example; b@y.example', ' jo@acme.io ', '<ann@b.example>'].map(emailIn)).toEqual([
      'jane@acme.example',
      'a@x.example',
      'jo@acme.io',
      'ann@b.example',
    ]);
  });
});

describe('rows of a HubSpot deals export as outcomes', () => {
  const mapping = shippedMapping('hubspot-deals.json', { currency: 'USD' });

  it('makes one outcome per deal: its id per stage, the contact\'s email, the amount in the currency, the date of its stage', () => {
    // Act
    const result = mapped(
      [
        HUBSPOT_HEADER,
        '"101","Acme","Closed Won","12,500.00","2026-03-15 14:31","2026-01-10","Ann Rep","Jane Doe (jane@acme.example)",""',
        '"102","Globex","Contract Sent","5000","2027-01-31","2026-02-01","Bob Rep","john@globex.example",""',
        '"103","Initech","Closed Lost","","2026-04-01","2026-02-01","Bob Rep","peter@initech.example","Price,\ntoo high"',
      ].join('\r\n'),
      mapping,
    );

    // Assess: the open deal is dated by its create date, not its expected close date
    expect(result.issues).toEqual([]);
    expect(result.outcomes).toEqual([
      {
        row: 2,
        outcome: { outcomeId: '101:won', email: 'jane@acme.example', stage: 'won', at: '2026-03-15T14:31:00.000Z', amount: 12500, currency: 'USD', opportunityId: '101', repId: 'Ann Rep' },
      },
      {
        row: 3,
        outcome: { outcomeId: '102:opportunity', email: 'john@globex.example', stage: 'opportunity', at: '2026-02-01T00:00:00.000Z', amount: 5000, currency: 'USD', opportunityId: '102', repId: 'Bob Rep' },
      },
      {
        row: 4,
        outcome: { outcomeId: '103:lost', email: 'peter@initech.example', stage: 'lost', at: '2026-04-01T00:00:00.000Z', opportunityId: '103', reason: 'Price,\ntoo high', repId: 'Bob Rep' },
      },
    ]);
  });

  it('names the row, field and column of each row it refuses, and maps the other rows', () => {
    // Act
    const result = mapped(
      [
        HUBSPOT_HEADER,
        '"201","A","Negotiation","1","2026-03-15","2026-01-10","Ann","a@a.example",""',
        '"202","B","Closed Won","1","2026-13-01","2026-01-10","Ann","b@b.example",""',
        '"203","C","Closed Won","1","2027-06-01","2026-01-10","Ann","c@c.example",""',
        '"204","D","Closed Won","lots","2026-03-15","2026-01-10","Ann","d@d.example",""',
        '"205","E","Closed Won","1","2026-03-15","2026-01-10","Ann","not an email",""',
        '"","F","Closed Won","1","2026-03-15","2026-01-10","Ann","f@f.example",""',
        '"207","G","Closed Won","1","2026-03-15","2026-01-10","Ann","",""',
        '"208","H","Closed Won","1","2026-03-15","2026-01-10","Ann","h@h.example",""',
        '"208","H again","closed won","2","2026-03-16","2026-01-10","Ann","h@h.example",""',
        '"210","I","Closed Won","1","2026-03-15","2026-01-10","Ann","i@i.example","","extra"',
      ].join('\n'),
      mapping,
    );

    // Assess
    const byRow = result.issues.map(({ row, field, column }) => [row, field, column]);
    expect(byRow).toEqual([
      [2, 'stage', 'Deal Stage'],
      [3, 'at', 'Close Date'],
      [4, 'at', 'Close Date'],
      [5, 'amount', 'Amount'],
      [6, 'email', 'Associated Contact'],
      [7, 'outcomeId', 'Record ID'],
      [8, 'email', 'Associated Contact'],
      [10, 'outcomeId', 'Record ID'],
      [11, '(row)', undefined],
    ]);
    const message = (row: number) => result.issues.find((issue) => issue.row === row)?.message;
    expect(message(2)).toBe('"Negotiation" is not in the stage map: map it with --stage "Negotiation=<stage>" (sql, opportunity, won, lost, disqualified, recycled, or skip)');
    expect(message(4)).toMatch(/^2027-06-01T00:00:00.000Z is in the future/);
    expect(message(6)).toBe('not an email address');
    expect(message(10)).toBe('the same outcome as row 9 (208:won)');
    expect(message(11)).toBe('10 cells, the header has 9: a comma inside a value that is not quoted?');
    expect(result.outcomes.map((o) => o.row)).toEqual([9]);
  });

  it('refuses an amount with no currency, naming the amount column when no currency column is mapped', () => {
    // Prepare: the mapping without --currency
    const noCurrency = shippedMapping('hubspot-deals.json');

    // Act
    const result = mapped([HUBSPOT_HEADER, '"1","A","Closed Won","100","2026-03-15","2026-01-10","Ann","a@a.example",""'].join('\n'), noCurrency);

    // Assess
    expect(result.issues).toEqual([
      { row: 2, field: 'currency', column: 'Amount', message: 'no currency for the amount "100": map a currency column or give --currency' },
    ]);
  });

  it('leaves out the rows of a stage mapped to skip, and empty rows', () => {
    // Prepare
    const skipping = shippedMapping('hubspot-deals.json', { currency: 'USD', stage: ['Appointment Scheduled=skip'] });

    // Act
    const result = mapped([HUBSPOT_HEADER, '"1","A","Appointment Scheduled","","2026-03-15","2026-01-10","Ann","a@a.example",""', ',,,,,,,,', ''].join('\n'), skipping);

    // Assess
    expect(result).toEqual({
      outcomes: [],
      issues: [],
      absent: [],
      skipped: [
        { row: 2, reason: 'stage "Appointment Scheduled" is skipped' },
        { row: 3, reason: 'empty row' },
      ],
    });
  });

  it('says which columns the file lacks, and leaves out an optional field whose column is missing', () => {
    // Act
    const lacking = mapRows(table('"Record ID","Deal Stage","Associated Contact"\n1,Closed Won,a@a.example\n'), mapping, NOW);
    const optional = mapped('"Record ID","Deal Stage","Close Date","Create Date","Associated Contact"\n1,Closed Won,2026-03-15,2026-01-10,a@a.example\n', mapping);

    // Assess
    expect(lacking).toEqual({ missingColumns: ['Close Date', 'Create Date'] });
    expect(optional.absent).toEqual([
      { field: 'amount', column: 'Amount' },
      { field: 'reason', column: 'Closed Lost Reason' },
      { field: 'repId', column: 'Deal owner' },
    ]);
    expect(optional.outcomes).toEqual([{ row: 2, outcome: { outcomeId: '1:won', email: 'a@a.example', stage: 'won', at: '2026-03-15T00:00:00.000Z', opportunityId: '1' } }]);
  });
});

describe('rows of a Salesforce opportunity report as outcomes', () => {
  it('reads US dates and the amount currency column, and stops at the report footer after the blank row', () => {
    // Prepare: a report exported with its footer
    const mapping = shippedMapping('salesforce-opportunities.json');
    const text = [
      '"Opportunity ID","Opportunity Name","Stage","Amount Currency","Amount","Close Date","Created Date","Opportunity Owner","Email"',
      '"0065g00000AbCdE","Acme","Closed Won","EUR","12,500.00","3/15/2026","1/10/2026","Ann Rep","jane@acme.example"',
      '"0065g00000AbCdF","Globex","Needs Analysis","USD","","12/31/2026","2/1/2026","Bob Rep","john@globex.example"',
      '',
      '"Opportunities with Contact Roles"',
      '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
    ].join('\n');

    // Act
    const result = mapped(text, mapping);

    // Assess
    expect(result.issues).toEqual([]);
    expect(result.absent).toEqual([{ field: 'reason', column: 'Loss Reason' }]);
    expect(result.outcomes.map((o) => o.outcome)).toEqual([
      { outcomeId: '0065g00000AbCdE:won', email: 'jane@acme.example', stage: 'won', at: '2026-03-15T00:00:00.000Z', amount: 12500, currency: 'EUR', opportunityId: '0065g00000AbCdE', repId: 'Ann Rep' },
      { outcomeId: '0065g00000AbCdF:opportunity', email: 'john@globex.example', stage: 'opportunity', at: '2026-02-01T00:00:00.000Z', opportunityId: '0065g00000AbCdF', repId: 'Bob Rep' },
    ]);
  });

  it('refuses a row whose currency column and amount disagree', () => {
    // Prepare
    const mapping = shippedMapping('salesforce-opportunities.json');
    const text = '"Opportunity ID","Stage","Amount Currency","Amount","Close Date","Created Date","Email"\n"1","Closed Won","EUR","USD 10","3/15/2026","1/10/2026","a@a.example"\n';

    // Act
    const result = mapped(text, mapping);

    // Assess
    expect(result.issues).toEqual([{ row: 2, field: 'currency', column: 'Amount Currency', message: 'the currency column says EUR, the amount "USD 10" says USD' }]);
  });
});

describe('rows mapped by flags', () => {
  it('uses the column value as the outcome id when the mapping says so, and a leadId before an email', () => {
    // Prepare
    const resolved = resolveMapping(
      { columns: { outcomeId: 'Change ID', leadId: 'LeadLoop ID', email: 'Email', stage: 'Stage', at: 'When' }, stages: { Won: 'won' }, outcomeIdPerStage: false },
      {},
    );
    if (!resolved.ok) throw new Error(resolved.problems.join('\n'));
    const leadId = leadIdFor('email:jo@acme.io');

    // Act
    const result = mapped(`Change ID,LeadLoop ID,Email,Stage,When\nc-1,,jo@acme.io,Won,2026-03-15\nc-2,${leadId},jo@acme.io,Won,2026-03-16\n`, resolved.mapping);

    // Assess
    expect(result.outcomes.map((o) => [o.outcome.outcomeId, o.outcome.leadId, o.outcome.email])).toEqual([
      ['c-1', undefined, 'jo@acme.io'],
      ['c-2', leadId, undefined],
    ]);
  });
});
