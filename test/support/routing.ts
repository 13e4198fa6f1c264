import { run, type CliIo } from '../../bin/cli/run.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadRoutingView, LeadView } from '../../functions/core/lead-view.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { qualify as qualifyVisitor } from './qualify.ts';

/** Helpers for the routing and queue tests on one local runtime. */

export interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

/** Every email the SES capture holds. */
export async function capturedEmails(runtime: Pick<LocalRuntime, 'sesUrl'>): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

/** The CLI as a person runs it, on this runtime (its tables and journey from the environment). */
export async function leadloop(runtime: Pick<LocalRuntime, 'cliEnv'>, ...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readFile: () => '',
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { ...runtime.cliEnv },
    progress: { write: () => true },
    onInterrupt: () => () => undefined,
  };
  const status = await run(args, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

/** A visitor who identifies and fills the demo form: an MQL of a good fit. Returns the lead's id. */
export async function qualify(runtime: LocalRuntime, anonymousId: string, email: string, name: string, traits: Record<string, unknown> = {}): Promise<string> {
  await qualifyVisitor(runtime, { anonymousId, email, name, traits: { phone: '+1 212 555 0100', ...traits } });
  return leadIdFor(`anon:${anonymousId}`);
}

/** The lead view (GET /v1/leads/{id}), or undefined while the lead is not there. */
export async function leadView(runtime: Pick<LocalRuntime, 'apiUrl' | 'serverKey'>, leadId: string): Promise<(LeadView & { routing: LeadRoutingView | null }) | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView & { routing: LeadRoutingView | null }) : undefined;
}
