import type { StageChange, Stage } from './lifecycle.ts';
import { stages } from './lifecycle.ts';

/**
 * The funnel report, read from counters the stream path keeps:
 * `reached.<stage>` counts leads that ever entered a stage,
 * `current.<stage>` counts leads in it now.
 */

export interface FunnelCounters {
  reached: Partial<Record<Stage, number>>;
  current: Partial<Record<Stage, number>>;
}

/** The counter increments a set of stage changes makes (visitor is counted when a lead is created). */
export function funnelIncrements(changes: readonly StageChange[], created: boolean): Map<string, number> {
  const increments = new Map<string, number>();
  const add = (key: string, n: number) => increments.set(key, (increments.get(key) ?? 0) + n);
  if (created) {
    add('reached.visitor', 1);
    add('current.visitor', 1);
  }
  for (const change of changes) {
    add(`reached.${change.to}`, 1);
    add(`current.${change.to}`, 1);
    add(`current.${change.from}`, -1);
  }
  for (const [key, n] of increments) if (n === 0) increments.delete(key);
  return increments;
}

export interface FunnelReport {
  stages: { stage: Stage; reached: number; current: number; conversionFromPrevious: number | null }[];
}

const funnelOrder: readonly Stage[] = stages.filter((s) => s !== 'recycled' && s !== 'disqualified' && s !== 'lost');

export function funnelReport(counters: FunnelCounters): FunnelReport {
  const rows = stages.map((stage) => ({ stage, reached: counters.reached[stage] ?? 0, current: counters.current[stage] ?? 0 }));
  return {
    stages: rows.map((row) => {
      const index = funnelOrder.indexOf(row.stage);
      const previous = index > 0 ? rows.find((r) => r.stage === funnelOrder[index - 1]) : undefined;
      const conversionFromPrevious = previous && previous.reached > 0 ? Math.round((row.reached / previous.reached) * 1000) / 1000 : null;
      return { ...row, conversionFromPrevious };
    }),
  };
}
