import { ValidationError } from '#commons/errors.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';
import { DEFAULT_STALLED_LIMIT, stallCutoffs, stalledReport, type StallLimit, type StalledQuery, type StalledRecord, type StalledReport } from '#core/reports/stalled.ts';

export interface StalledPorts {
  /** each watched stage's limit (core/reports/stalled.ts stallLimits of the agreement) */
  stallLimits: readonly StallLimit[];
  /** the leads past each cutoff, from the stalled index (never a scan): at most `atMost` per stage and shard */
  stalledLeads: (read: { cutoffs: ReturnType<typeof stallCutoffs>; team?: string | undefined; rep?: string | undefined; atMost: number }) => Promise<StalledRecord[]>;
  /** each rep's working calendar: the sal limit (the follow-up window) is working days of the lead's owner */
  calendars: RepCalendars;
  now: () => Date;
}

/**
 * The leads that sit in a stage longer than its limit, longest first: of one
 * stage or of every stage with a limit, of one team or rep or all.
 */
export async function stalledLeads(query: StalledQuery, ports: StalledPorts): Promise<StalledReport> {
  if (query.stage !== undefined && !ports.stallLimits.some((limit) => limit.stage === query.stage)) {
    throw new ValidationError([{ path: 'stage', message: `no limit is configured for ${query.stage} (stalledAfterDays in config/service-agreement.json)` }]);
  }
  const now = ports.now();
  const limits = ports.stallLimits.filter((limit) => query.stage === undefined || limit.stage === query.stage);
  const limit = query.limit ?? DEFAULT_STALLED_LIMIT;
  // one more than shown, so the report knows whether there are more
  const records = await ports.stalledLeads({ cutoffs: stallCutoffs(limits, now), team: query.team, rep: query.rep, atMost: limit + 1 });
  const report = stalledReport({ records, limits, query, now, calendars: ports.calendars });
  // The read stops at `atMost`, oldest first: when leads read were left out as still inside their follow-up window, stalled ones may lie past them.
  return { ...report, more: report.more || records.length >= limit + 1 };
}
