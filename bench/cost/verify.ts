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

/** A decided journey waiting on its follow-up (sales clocks, feedback asks: days or weeks away): the hand-off half is done. */
export const FOLLOWING_UP = 'Following up';

/** The journey's end as its history says: the last state entered, or following up once it waits on its follow-up. */
export function ending(execution: Execution): string {
  if (execution.status === 'RUNNING' && execution.states.at(-1) === 'Await follow-up') return FOLLOWING_UP;
  return execution.status === 'SUCCEEDED' ? (execution.states.at(-1) ?? 'none') : execution.status;
}

/** Accepted and rejected hand-offs both go on to follow up (issue 11); unanswered ones end recycled. */
const EXPECTED_END = { accept: FOLLOWING_UP, reject: FOLLOWING_UP, none: 'Recycled to marketing' } as const;

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
  for (const end of new Set(Object.values(EXPECTED_END))) {
    const answers = (Object.keys(EXPECTED_END) as (keyof typeof EXPECTED_END)[]).filter((answer) => EXPECTED_END[answer] === end);
    const planned = qualifying.filter((v) => v.answer !== undefined && answers.includes(v.answer)).length;
    const ended = endings.get(end) ?? 0;
    if (planned !== ended) problems.push(`${planned} reps planned to ${answers.join(' or ')}, ${ended} journeys ended "${end}"`);
  }
  return { problems, storedEvents: storedEvents - warmupEvents, endings };
}
