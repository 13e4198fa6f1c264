import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { leadloop as leadloopOn } from '../support/routing.ts';

/**
 * `leadloop reps` on a local runtime whose clock was started elsewhere in time (LEADLOOP_CLOCK_START, as the
 * README's Friday-evening walkthrough does): "now" for the command is the runtime's now, the instant routing
 * and the journey live in, not this machine's wall clock. Started on Monday 11 January 2027, 15:00 UTC, at
 * real speed, whatever day the suite runs.
 */
const START = '2027-01-11T15:00:00.000Z';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, clockStart: new Date(START), synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

const leadloop = (...args: string[]) => leadloopOn(runtime, ...args);
interface RepRow {
  repId: string;
  awayUntil: string | null;
  away: { from: string; until: string }[];
}
const rowOf = async (repId: string) => (JSON.parse((await leadloop('reps', 'list', '--json')).out) as RepRow[]).find((r) => r.repId === repId)!;

describe('leadloop reps on a runtime whose clock started elsewhere', () => {
  it('lists a rep away over the runtime’s now as away now, and as planned only an absence after it', async () => {
    expect((await leadloop('reps', 'away', 'rep-ada', '--from', '2027-01-04', '--until', '2027-01-15')).status).toBe(0);
    expect((await leadloop('reps', 'away', 'rep-ben', '--from', '2027-02-01', '--until', '2027-02-05')).status).toBe(0);

    const ada = await rowOf('rep-ada');
    expect(ada.awayUntil).not.toBeNull();
    // away until the end of the 15th in Ada's zone: after the runtime's now, within that day's end anywhere
    expect(Date.parse(ada.awayUntil!)).toBeGreaterThan(Date.parse(START));
    expect(Date.parse(ada.awayUntil!)).toBeLessThan(Date.parse('2027-01-17T00:00:00Z'));
    expect((await rowOf('rep-ben')).awayUntil).toBeNull();
    const listed = (await leadloop('reps', 'list')).out;
    expect(listed).toMatch(/\trep-ada\t[^\n]*\taway until 2027-01-1/);
    expect(listed).toMatch(/\trep-ben\t[^\n]*\tavailable\tplanned: 2027-02-0/);
  });

  it('ends the absence under way at the runtime’s now when the rep is back', async () => {
    const back = await leadloop('reps', 'back', 'rep-ada');
    expect(back.err).toBe('');
    expect(back.status).toBe(0);

    const ada = await rowOf('rep-ada');
    expect(ada.awayUntil).toBeNull();
    // the absence now ends at the runtime's now (a few real seconds after its start), not at the wall clock's
    const ended = ada.away.map((r) => Date.parse(r.until)).filter((t) => t <= Date.parse('2027-01-16T00:00:00Z'));
    for (const until of ended) {
      expect(until).toBeGreaterThanOrEqual(Date.parse(START));
      expect(until).toBeLessThan(Date.parse(START) + 10 * 60_000);
    }
  });
});
