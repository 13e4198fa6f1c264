import type { Execution } from '../../local/step-functions.ts';
import { countItems } from '../lib/tables.ts';
import type { FunctionWork } from './meter.ts';
import type { RunResult } from './phases.ts';
import type { CostSetup } from './setup.ts';
import type { Workload } from './workload.ts';

/**
 * Did the workload run as planned? The figures mean something only if every
 * request was answered, every event stored and scored, every qualifying
 * visitor handed off and every journey ended the way the rep's answer says.
 * It reports problems; it asserts nothing about the figures.
 */

export interface Verification {
  problems: string[];
  storedEvents: number;
  /** journeys by how they ended: the last state entered */
  endings: Map<string, number>;
}

/** The journey's end as its history says: the last state entered. */
export function ending(execution: Execution): string {
  return execution.status === 'SUCCEEDED' ? (execution.states.at(-1) ?? 'none') : execution.status;
}

const EXPECTED_END = { accept: 'Accepted', reject: 'Rejected to marketing', none: 'Recycled to marketing' } as const;

/**
 * `executions` are the measured run's; `warmupEvents` the events the
 * warm-up stored in the same table before it.
 */
export async function verify(setup: CostSetup, workload: Workload, result: RunResult, functions: FunctionWork[], executions: Execution[], warmupEvents: number): Promise<Verification> {
  const problems: string[] = [];
  const { api, answers, drain } = result;
  if (api.visitor.failed > 0) problems.push(`${api.visitor.failed} of ${api.visitor.requests} visitor requests were not answered 200`);
  if (api.links.failed > 0) problems.push(`${api.links.failed} of ${api.links.requests} hand-off link requests were not answered 200`);
  problems.push(...answers.notRecorded);
  if (drain.timedOut) problems.push(`${drain.running} journeys were still running when the bench stopped waiting`);

  const plannedEvents = workload.requests.reduce((sum, r) => sum + r.events, 0);
  if (api.visitor.events !== plannedEvents) problems.push(`the API accepted ${api.visitor.events} of ${plannedEvents} planned events`);
  const storedEvents = await countItems(setup.dynamodb, setup.eventsTable, { FilterExpression: 'kind = :tracking', ExpressionAttributeValues: { ':tracking': { S: 'tracking' } } });
  if (storedEvents !== warmupEvents + api.visitor.events) problems.push(`the events table holds ${storedEvents} tracking events, ${warmupEvents} + ${api.visitor.events} were accepted (warm-up + run)`);

  for (const f of functions) if (f.failed > 0) problems.push(`${f.failed} invocations of ${f.functionLogicalId} failed`);
  const failedRecords = (await (await fetch(`${setup.runtime.apiUrl}/_local/failed-records`)).json()) as Record<string, unknown[]>;
  const setAside = Object.values(failedRecords).reduce((sum, batches) => sum + batches.length, 0);
  if (setAside > 0) problems.push(`${setAside} stream batches were set aside after their retries`);

  const endings = new Map<string, number>();
  for (const e of executions) endings.set(ending(e), (endings.get(ending(e)) ?? 0) + 1);
  const qualifying = workload.visitors.filter((v) => v.kind === 'qualifying');
  if (executions.length !== qualifying.length) problems.push(`${executions.length} journeys started for ${qualifying.length} qualifying visitors`);
  for (const answer of ['accept', 'reject', 'none'] as const) {
    const planned = qualifying.filter((v) => v.answer === answer).length;
    const ended = endings.get(EXPECTED_END[answer]) ?? 0;
    if (planned !== ended) problems.push(`${planned} reps planned to ${answer === 'none' ? 'not answer' : answer}, ${ended} journeys ended "${EXPECTED_END[answer]}"`);
  }
  return { problems, storedEvents: storedEvents - warmupEvents, endings };
}
