import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config-errors.ts';
import type { EmailToSend } from '#core/emails.ts';
import type { Lead } from '#core/lead.ts';
import { nurtureConfigSchema, type NurtureState, type SuppressionReason } from '#core/nurture.ts';
import type { EmailHeader } from '#core/nurture-email.ts';
import { runNurtureStep, type NurtureStepPorts } from '../../../functions/nurture/run-step.ts';

/** One step of a program, with in-memory ports: what is sent, what is marked. */
const config = parseConfig('nurture.json', nurtureConfigSchema, {
  consent: { traits: ['marketingConsent'], grantedValues: [true] },
  linkDays: 30,
  programs: [
    {
      id: 'welcome',
      name: 'Welcome',
      enter: { from: 'known' },
      steps: [
        { id: 'one', waitHours: 0, subject: 'One', body: 'First.', links: [{ id: 'a', label: 'A', url: 'https://example.com/a' }] },
        { id: 'two', waitHours: 48, subject: 'Two', body: 'Second.', links: [{ id: 'b', label: 'B', url: 'https://example.com/b' }], condition: { traits: { plan: 'pro' } } },
      ],
    },
  ],
});

const leadId = 'lead-00000000000000000001';
const state = (step: number): NurtureState => ({ leadId, programId: 'welcome', cycle: 0, step, waitSeconds: 0 });

function lead(fields: Partial<Lead> = {}): Lead {
  return {
    leadId,
    email: 'dana@acme.example',
    identities: ['email:dana@acme.example'],
    traits: { marketingConsent: true },
    stage: 'known',
    stageHistory: [],
    ledger: [],
    modelVersion: 'v1',
    engagement: 0,
    grade: 'C',
    scoredAt: '2026-03-02T10:00:00.000Z',
    cycle: 0,
    touches: [],
    recentActivity: [],
    createdAt: '2026-03-02T10:00:00.000Z',
    nurture: { programId: 'welcome', cycle: 0, enteredAt: '2026-03-02T10:00:00.000Z' },
    ...fields,
  };
}

let stored: Lead | undefined;
let suppressed: Map<string, SuppressionReason>;
let sent: (EmailToSend & { headers: readonly EmailHeader[] })[];
let ended: { reason: string }[];
const ports = (): NurtureStepPorts => ({
  config,
  apiUrl: 'https://api.example.com',
  now: () => new Date('2026-03-02T10:00:00.000Z'),
  getLead: async () => (stored ? { lead: stored, version: 1 } : undefined),
  suppressionOf: async (email) => suppressed.get(email),
  linkSigningKey: async () => 'key',
  sendEmailOnce: async (email) => {
    sent.push(email);
    return { sent: true, messageId: `m-${sent.length}` };
  },
  markNurtureEnded: async (_leadId, _enrollment, reason) => {
    ended.push({ reason });
    return true;
  },
});

beforeEach(() => {
  stored = lead();
  suppressed = new Map();
  sent = [];
  ended = [];
});

describe('a nurture step', () => {
  it('sends the step once per lead, program, cycle and step, with the unsubscribe headers, and waits for the next', async () => {
    const next = await runNurtureStep(state(0), ports());
    expect(next).toEqual({ ...state(1), waitSeconds: 48 * 3600, action: 'wait' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'dana@acme.example', subject: 'One', idempotencyKey: `nurture:${leadId}:welcome:0:one` });
    expect(sent[0]!.headers.map((h) => h.name)).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
    // its links work linkDays (30) from now, 2 March 10:00 UTC, and the email says until when
    expect(sent[0]!.text).toContain('These links, the unsubscribe link too, work until Wednesday 1 April, 10:00 UTC.');
    expect(ended).toEqual([]);
  });

  it('skips a step whose condition does not hold, and ends the program after the last', async () => {
    expect(await runNurtureStep(state(1), ports())).toMatchObject({ action: 'done' });
    expect(sent).toEqual([]);
    expect(ended).toEqual([{ reason: 'completed' }]);
  });

  it('sends nothing and marks the exit when the lead became an MQL, or its address is suppressed', async () => {
    stored = lead({ stage: 'mql', cycle: 1 });
    expect(await runNurtureStep(state(0), ports())).toMatchObject({ action: 'exit', reason: 'became an MQL' });
    stored = lead();
    suppressed.set('dana@acme.example', 'complained');
    expect(await runNurtureStep(state(0), ports())).toMatchObject({ action: 'exit', reason: 'complained' });
    expect(sent).toEqual([]);
    expect(ended).toEqual([{ reason: 'became an MQL' }, { reason: 'complained' }]);
  });
});
