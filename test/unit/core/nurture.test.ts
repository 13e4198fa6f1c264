import { describe, expect, it } from 'vitest';
import { nurture as shippedNurture } from '#config/nurture.ts';
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import {
  conditionHolds,
  hasConsent,
  nurtureConfigSchema,
  nurtureEntry,
  nurtureExit,
  nurtureName,
  nurtureStart,
  nurtureStep,
  nurtureView,
  programFor,
  type NurtureConfig,
  type NurtureLead,
  type NurtureState,
} from '#core/nurture.ts';
import { checkClickLink, checkUnsubscribeLink, fillTraits, ONE_CLICK, renderNurtureEmail } from '#core/nurture-email.ts';

const step = (id: string, waitHours: number, fields: Record<string, unknown> = {}) => ({
  id,
  waitHours,
  subject: `Step ${id} for {{firstName|you}}`,
  body: `Hello {{firstName|there}}.\n\nAbout ${id}.`,
  links: [{ id: 'read', label: 'Read it', url: `https://example.com/${id}` }],
  ...fields,
});

const input = {
  consent: { traits: ['marketingConsent'], grantedValues: [true, 'yes'] },
  linkDays: 30,
  programs: [
    { id: 'enterprise', name: 'Big companies', enter: { from: 'known', condition: { traits: { segment: ['enterprise', 'strategic'] } } }, steps: [step('e1', 0)] },
    { id: 'welcome', name: 'Everyone else', enter: { from: 'known' }, steps: [step('w1', 0), step('w2', 48), step('w3', 24, { condition: { minScore: 20 } })] },
    { id: 'win-back', name: 'Recycled', enter: { from: 'recycled' }, steps: [step('r1', 168)] },
  ],
};
const config: NurtureConfig = parseConfig('config/nurture.json', nurtureConfigSchema, input);

const lead = (fields: Partial<NurtureLead> = {}): NurtureLead => ({
  stage: 'known',
  traits: { marketingConsent: true, firstName: 'Dana' },
  email: 'dana@acme.example',
  cycle: 0,
  grade: 'B',
  ...fields,
});

/** The issues a config is refused with, as `path: message`. */
function refusalOf(value: unknown): string[] {
  try {
    parseConfig('config/nurture.json', nurtureConfigSchema, value);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('config/nurture.json', () => {
  it('ships valid, with a program for known leads and one for recycled leads', () => {
    expect(shippedNurture.programs.map((p) => p.enter.from)).toEqual(expect.arrayContaining(['known', 'recycled']));
  });

  it('names the field of each problem', () => {
    const bad = structuredClone(input) as unknown as { programs: Record<string, unknown>[] };
    bad.programs[1] = { ...bad.programs[1], id: 'Welcome!', steps: [step('a', -1), step('a', 1, { links: [{ id: 'x', label: 'X', url: 'javascript:alert(1)' }] })] };
    bad.programs[2] = { ...bad.programs[2], id: 'enterprise' };
    expect(refusalOf(bad)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^programs\[1\]\.id: use 1 to 32 lower-case/),
        expect.stringMatching(/^programs\[1\]\.steps\[0\]\.waitHours: /),
        expect.stringMatching(/^programs\[1\]\.steps\[1\]\.links\[0\]\.url: an http or https URL/),
        'programs[1].steps[1].id: another step of this program has this id',
        'programs[2].id: another program has this id',
      ]),
    );
  });

  it('refuses an unknown field, a step without links, and minScore above maxScore', () => {
    expect(refusalOf({ ...input, extra: 1 })).toEqual(['extra: not a known field']);
    const noLinks = structuredClone(input);
    noLinks.programs[0]!.steps[0]!.links = [];
    expect(refusalOf(noLinks)).toEqual(['programs[0].steps[0].links: give at least one link: what the email is for']);
    const band = structuredClone(input) as unknown as { programs: { steps: Record<string, unknown>[] }[] };
    band.programs[0]!.steps[0]!.condition = { minScore: 30, maxScore: 10 };
    expect(refusalOf(band)).toEqual(['programs[0].steps[0].condition.minScore: minScore must not be above maxScore']);
  });
});

describe('consent and conditions', () => {
  it('takes consent from any configured trait holding a granted value, strings without case', () => {
    expect(hasConsent({ marketingConsent: 'YES' }, config.consent)).toBe(true);
    expect(hasConsent({ marketingConsent: true }, config.consent)).toBe(true);
    expect(hasConsent({ marketingConsent: false }, config.consent)).toBe(false);
    expect(hasConsent({ marketingConsent: 'true' }, config.consent)).toBe(false);
    expect(hasConsent({}, config.consent)).toBe(false);
  });

  it('holds a condition only when every part holds', () => {
    const condition = { traits: { country: ['DE', 'AT'] }, minScore: 10, maxScore: 50, grades: ['A' as const, 'B' as const] };
    const de = { traits: { country: 'de' }, grade: 'B' as const };
    expect(conditionHolds(condition, de, 10)).toBe(true);
    expect(conditionHolds(condition, de, 9)).toBe(false);
    expect(conditionHolds(condition, de, 51)).toBe(false);
    expect(conditionHolds(condition, { ...de, grade: 'C' }, 20)).toBe(false);
    expect(conditionHolds(condition, { traits: { country: 'FR' }, grade: 'A' }, 20)).toBe(false);
    expect(conditionHolds(undefined, de, 0)).toBe(true);
  });
});

describe('which program a lead enters', () => {
  it('is the first whose entry matches: a segment first, then the general one', () => {
    expect(programFor(config, lead({ traits: { segment: 'Strategic' } }), 0)?.id).toBe('enterprise');
    expect(programFor(config, lead(), 0)?.id).toBe('welcome');
    expect(programFor(config, lead({ stage: 'engaged' }), 0)?.id).toBe('welcome');
    expect(programFor(config, lead({ stage: 'recycled', cycle: 1 }), 0)?.id).toBe('win-back');
  });

  it('enters a known lead with consent once per cycle, pending until its execution starts', () => {
    expect(nurtureEntry(config, lead(), 0, '2026-03-02T10:00:00.000Z')).toEqual({ programId: 'welcome', cycle: 0, enteredAt: '2026-03-02T10:00:00.000Z', pending: true });
    const enrolled = lead({ nurture: { programId: 'welcome', cycle: 0, enteredAt: '2026-03-02T10:00:00.000Z', ended: { reason: 'completed', at: '2026-03-12T10:00:00.000Z' } } });
    expect(nurtureEntry(config, enrolled, 0, '2026-03-20T10:00:00.000Z')).toBeUndefined();
  });

  it('enters a recycled lead in the cycle it came back from, though it was nurtured before', () => {
    const recycled = lead({ stage: 'recycled', cycle: 1, nurture: { programId: 'welcome', cycle: 0, enteredAt: '2026-03-02T10:00:00.000Z', ended: { reason: 'became an MQL', at: '2026-03-05T10:00:00.000Z' } } });
    expect(nurtureEntry(config, recycled, 0, '2026-04-01T10:00:00.000Z')).toMatchObject({ programId: 'win-back', cycle: 1, pending: true });
  });

  it('leaves out a lead without consent, without an address, owned by sales or past MQL', () => {
    const now = '2026-03-02T10:00:00.000Z';
    expect(nurtureEntry(config, lead({ traits: {} }), 0, now)).toBeUndefined();
    expect(nurtureEntry(config, lead({ stage: 'visitor', email: undefined }), 0, now)).toBeUndefined();
    expect(nurtureEntry(config, lead({ stage: 'mql', cycle: 1 }), 0, now)).toBeUndefined();
    expect(nurtureEntry(config, lead({ owner: { repId: 'rep-a', teamId: 'team-a', assignedAt: now } }), 0, now)).toBeUndefined();
  });
});

describe('the global exit', () => {
  it('takes a lead out when it becomes an MQL, is owned by sales, is disqualified, merged, or loses consent', () => {
    expect(nurtureExit(lead(), config)).toBeUndefined();
    expect(nurtureExit(lead({ stage: 'mql', cycle: 1 }), config)).toBe('became an MQL');
    for (const stage of ['sal', 'sql', 'opportunity', 'won', 'lost'] as const) expect(nurtureExit(lead({ stage, cycle: 1 }), config)).toBe('owned by sales');
    expect(nurtureExit(lead({ stage: 'recycled', owner: { repId: 'rep-a', teamId: 't', assignedAt: '2026-03-01T00:00:00Z' } }), config)).toBe('owned by sales');
    expect(nurtureExit(lead({ stage: 'disqualified' }), config)).toBe('disqualified');
    expect(nurtureExit(lead({ mergedInto: 'lead-00000000000000000001' }), config)).toBe('merged into another lead');
    expect(nurtureExit(lead({ traits: { marketingConsent: 'no' } }), config)).toBe('no consent');
  });
});

describe('a program step', () => {
  const enrolled = (fields: Partial<NurtureLead> = {}) => lead({ nurture: { programId: 'welcome', cycle: 0, enteredAt: '2026-03-02T10:00:00.000Z' }, ...fields });
  const at = (index: number): NurtureState => ({ leadId: 'lead-00000000000000000001', programId: 'welcome', cycle: 0, step: index, waitSeconds: 0 });

  it('starts with the first step after its wait', () => {
    expect(nurtureStart(config, 'lead-1', { programId: 'win-back', cycle: 1 })).toEqual({ leadId: 'lead-1', programId: 'win-back', cycle: 1, step: 0, waitSeconds: 168 * 3600 });
  });

  it('sends the step due and says how long to wait for the next', () => {
    const decision = nurtureStep(config, at(0), { lead: enrolled(), engagement: 0 });
    expect(decision).toMatchObject({ kind: 'send', step: { id: 'w1' }, next: { step: 1, waitSeconds: 48 * 3600 } });
    expect(nurtureStep(config, at(1), { lead: enrolled(), engagement: 0 })).toMatchObject({ kind: 'send', step: { id: 'w2' }, next: { step: 2, waitSeconds: 24 * 3600 } });
  });

  it('skips a step whose condition does not hold, and ends after the last step', () => {
    const last = nurtureStep(config, at(2), { lead: enrolled(), engagement: 19 });
    expect(last).toMatchObject({ kind: 'skip', step: { id: 'w3' } });
    expect(last).not.toHaveProperty('next');
    expect(nurtureStep(config, at(2), { lead: enrolled(), engagement: 20 })).toMatchObject({ kind: 'send', step: { id: 'w3' } });
    expect(nurtureStep(config, at(3), { lead: enrolled(), engagement: 20 })).toEqual({ kind: 'done' });
  });

  it('exits before any send once the lead must leave, wherever it is', () => {
    expect(nurtureStep(config, at(1), { lead: enrolled({ stage: 'mql', cycle: 1 }), engagement: 70 })).toEqual({ kind: 'exit', reason: 'became an MQL' });
    expect(nurtureStep(config, at(1), { lead: enrolled(), engagement: 0, suppressed: 'bounced' })).toEqual({ kind: 'exit', reason: 'bounced' });
    expect(nurtureStep(config, at(1), { lead: enrolled(), engagement: 0, suppressed: 'unsubscribed' })).toEqual({ kind: 'exit', reason: 'unsubscribed' });
    expect(nurtureStep(config, at(1), { lead: undefined, engagement: 0 })).toEqual({ kind: 'exit', reason: 'lead not found' });
  });

  it('exits when the lead is in another program or cycle now, or this one has ended', () => {
    const other = lead({ stage: 'recycled', cycle: 1, nurture: { programId: 'win-back', cycle: 1, enteredAt: '2026-04-01T00:00:00Z' } });
    expect(nurtureStep(config, at(1), { lead: other, engagement: 0 })).toEqual({ kind: 'exit', reason: 'entered another program' });
    const ended = enrolled({ nurture: { programId: 'welcome', cycle: 0, enteredAt: '2026-03-02T10:00:00Z', ended: { reason: 'unsubscribed', at: '2026-03-03T00:00:00Z' } } });
    expect(nurtureStep(config, at(1), { lead: ended, engagement: 0 })).toEqual({ kind: 'exit', reason: 'unsubscribed' });
    const gone = { ...config, programs: config.programs.filter((p) => p.id !== 'welcome') };
    expect(nurtureStep(gone, at(1), { lead: enrolled(), engagement: 0 })).toEqual({ kind: 'exit', reason: 'program no longer configured' });
  });

  it('names each lead, program and cycle its own execution, within Step Functions’ 80 characters', () => {
    const name = nurtureName('lead-0123456789abcdef0123', 'a'.repeat(32), 12);
    expect(name).toBe(`lead-0123456789abcdef0123-nurture-${'a'.repeat(32)}-12`);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(nurtureName('lead-0123456789abcdef0123', 'welcome', 0)).not.toBe(nurtureName('lead-0123456789abcdef0123', 'welcome', 1));
  });
});

describe('a nurture email', () => {
  const key = 'k'.repeat(43);
  const now = new Date('2026-03-02T10:00:00.000Z');
  const input = {
    state: { leadId: 'lead-00000000000000000001', programId: 'welcome', cycle: 0 },
    step: config.programs[1]!.steps[0]!,
    traits: { firstName: 'Dana <b>' },
    apiUrl: 'https://api.example.com',
    key,
    linksExpireAt: new Date('2026-04-01T10:00:00.000Z'),
    now,
  };
  const email = renderNurtureEmail(input);

  it('fills traits, with fallbacks, and escapes them in HTML', () => {
    expect(fillTraits('Hi {{firstName|there}}, {{company|your team}}', { firstName: 'Dana' })).toBe('Hi Dana, your team');
    expect(email.subject).toBe('Step w1 for Dana <b>');
    expect(email.html).toContain('Hello Dana &#60;b&#62;.');
    expect(email.html).not.toContain('Dana <b>');
  });

  it('tracks its links through signed links that name the step and link', () => {
    const url = new URL(/Read it: (\S+)/.exec(email.text)![1]!);
    expect(url.pathname).toBe('/v1/nurture/lead-00000000000000000001/welcome/0/w1/read');
    const link = { leadId: 'lead-00000000000000000001', programId: 'welcome', cycle: 0, stepId: 'w1', linkId: 'read', exp: Number(url.searchParams.get('exp')) };
    expect(checkClickLink(link, url.searchParams.get('sig')!, key, now)).toBe('valid');
    expect(checkClickLink({ ...link, linkId: 'other' }, url.searchParams.get('sig')!, key, now)).toBe('invalid');
    expect(checkClickLink(link, url.searchParams.get('sig')!, key, new Date('2026-04-01T10:00:00.000Z'))).toBe('expired');
  });

  it('says until when its links, the unsubscribe link too, work, and what to do after, in UTC as we do not know the reader’s zone', () => {
    const expiry = 'These links, the unsubscribe link too, work until Wednesday 1 April, 10:00 UTC. After that, reply to any of our emails and we will take you off the list.';
    expect(email.text.split('\n\n').at(-1)).toBe(expiry);
    expect(email.html).toContain(`<p style="font-size:small;color:#666">${expiry}</p>`);
    // the year is left out when the links expire in the year the email is sent (deadline-words.ts), and given when not
    const nextYear = renderNurtureEmail({ ...input, linksExpireAt: new Date('2027-03-02T10:00:00.000Z'), now });
    expect(nextYear.text).toContain('work until Tuesday 2 March 2027, 10:00 UTC.');
    // the link's exp is the instant the words name
    const exp = Number(new URL(/Unsubscribe: (\S+)/.exec(nextYear.text)![1]!).searchParams.get('exp'));
    expect(exp).toBe(Date.parse('2027-03-02T10:00:00.000Z') / 1000);
  });

  it('carries a signed unsubscribe link, in the body and as the one-click headers', () => {
    const listUnsubscribe = email.headers.find((h) => h.name === 'List-Unsubscribe')!.value;
    expect(listUnsubscribe).toMatch(/^<https:\/\/api\.example\.com\/v1\/unsubscribe\/lead-00000000000000000001\?exp=\d+&sig=[\w-]+>$/);
    expect(email.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: ONE_CLICK });
    const url = new URL(listUnsubscribe.slice(1, -1));
    expect(email.text).toContain(`Unsubscribe: ${url.href}`);
    const link = { leadId: 'lead-00000000000000000001', exp: Number(url.searchParams.get('exp')) };
    expect(checkUnsubscribeLink(link, url.searchParams.get('sig')!, key, now)).toBe('valid');
    expect(checkUnsubscribeLink({ ...link, leadId: 'lead-00000000000000000002' }, url.searchParams.get('sig')!, key, now)).toBe('invalid');
  });
});

describe('the lead view of a nurture program', () => {
  const ENTERED = '2026-05-04T10:00:00.000Z';
  const hoursAfter = (hours: number) => new Date(Date.parse(ENTERED) + hours * 3_600_000);

  it('counts the steps due by now from the program’s waits, and names the next with its time', () => {
    // welcome: w1 at once, w2 48 hours later, w3 24 hours after that
    expect(nurtureView(config, { programId: 'welcome', cycle: 0, enteredAt: ENTERED, pending: true }, hoursAfter(0))).toEqual({
      programId: 'welcome',
      programName: 'Everyone else',
      cycle: 0,
      enteredAt: ENTERED,
      status: 'starting',
      reason: null,
      endedAt: null,
      step: { id: 'w1', number: 1, of: 3 },
      next: { id: 'w2', at: hoursAfter(48).toISOString() },
    });
    const running = nurtureView(config, { programId: 'welcome', cycle: 0, enteredAt: ENTERED }, hoursAfter(50));
    expect(running).toMatchObject({ status: 'running', step: { id: 'w2', number: 2 }, next: { id: 'w3', at: hoursAfter(72).toISOString() } });
  });

  it('shows no step before the first is due', () => {
    const view = nurtureView(config, { programId: 'win-back', cycle: 2, enteredAt: ENTERED }, hoursAfter(10));
    expect(view).toMatchObject({ programName: 'Recycled', cycle: 2, status: 'running', step: null, next: { id: 'r1', at: hoursAfter(168).toISOString() } });
  });

  it('shows a completed program with its last step, and an exit with its reason and the step it had reached; neither has a next step', () => {
    const completed = nurtureView(config, { programId: 'welcome', cycle: 0, enteredAt: ENTERED, ended: { reason: 'completed', at: hoursAfter(72.01).toISOString() } }, hoursAfter(500));
    expect(completed).toMatchObject({ status: 'completed', reason: null, step: { id: 'w3', number: 3, of: 3 }, next: null });
    const exited = nurtureView(config, { programId: 'welcome', cycle: 0, enteredAt: ENTERED, ended: { reason: 'unsubscribed', at: hoursAfter(49).toISOString() } }, hoursAfter(500));
    expect(exited).toMatchObject({ status: 'exited', reason: 'unsubscribed', endedAt: hoursAfter(49).toISOString(), step: { id: 'w2', number: 2 }, next: null });
  });

  it('still shows a program config/nurture.json no longer has, without steps', () => {
    const view = nurtureView(config, { programId: 'retired', cycle: 0, enteredAt: ENTERED }, hoursAfter(1));
    expect(view).toMatchObject({ programId: 'retired', programName: null, status: 'running', step: null, next: null });
  });
});
