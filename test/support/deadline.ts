import { afterAll, beforeAll } from 'vitest';
import { journeyName } from '../../functions/core/journey.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import type { Execution } from '../../local/step-functions.ts';
import { qualify } from './qualify.ts';

/**
 * What the acceptance-deadline files share (deadline.test.ts, deadline-late.test.ts, two files so they run
 * beside each other): a runtime on the fast clock from a Monday morning, so the acceptance windows (working
 * hours) do not span a weekend whatever day the suite runs, and the reads they make of it.
 */
const CLOCK_SPEED = 1200;

export interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

export interface DeadlineRuntime {
  readonly runtime: LocalRuntime;
  emails(): Promise<CapturedEmail[]>;
  handoffsOf(name: string): Promise<CapturedEmail[]>;
  /** a visitor who qualifies: pricing twice, identified as a VP of a 250-person company, then a demo form */
  qualify(anonymousId: string, email: string, name: string): Promise<void>;
  readLead(leadId: string): Promise<LeadView | undefined>;
  journeyOf(leadId: string): Execution | undefined;
}

export function useDeadlineRuntime(): DeadlineRuntime {
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, clockStart: new Date('2027-01-11T07:00:00Z'), synth: false, log: () => undefined });
  });
  afterAll(async () => {
    runtime?.streams.release();
    await runtime?.stop();
  });
  const emails = async () => {
    const response = await fetch(`${runtime.sesUrl}/store`);
    return ((await response.json()) as { emails: CapturedEmail[] }).emails;
  };
  return {
    get runtime() {
      return runtime;
    },
    emails,
    handoffsOf: async (name) => (await emails()).filter((e) => e.subject.startsWith('New lead') && e.subject.includes(name)),
    qualify: (anonymousId, email, name) => qualify(runtime, { anonymousId, email, name }),
    async readLead(leadId) {
      const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
      return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
    },
    journeyOf: (leadId) => [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, 1)),
  };
}

/** The hand-off email's accept link. */
export const acceptUrlOf = (email: CapturedEmail) => /Accept: (\S+)/.exec(email.body.text ?? '')![1]!;
