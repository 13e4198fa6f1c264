import { defaultWeeklyHours, type WorkCalendar } from './business-hours.ts';
import { holidaysOf, type HolidaysFile } from './holiday-dates.ts';
import { repCalendar, repProfile, type RoutingConfig } from './routing.ts';
import { findRep, type Team, type TeamsConfig } from './teams.ts';

/**
 * The calendar every service-agreement clock of a rep runs on: their working
 * hours (config/routing.json, default Monday–Friday 09:00–17:00), their time
 * zone (config/teams.json) and the public holidays of the place their profile
 * names (config/holidays.json). Pure: the three files in, a lookup out.
 */
export type RepCalendars = (repId: string) => WorkCalendar;

export interface CalendarConfig {
  teams: TeamsConfig;
  routing: RoutingConfig;
  holidays: HolidaysFile;
}

export class UnknownRepError extends Error {
  constructor(repId: string) {
    super(`rep ${repId} is not in config/teams.json`);
    this.name = 'UnknownRepError';
  }
}

export function repCalendars(config: CalendarConfig): RepCalendars {
  const cache = new Map<string, WorkCalendar>();
  return (repId) => {
    let calendar = cache.get(repId);
    if (!calendar) {
      const found = findRep(config.teams, repId);
      if (!found) throw new UnknownRepError(repId);
      const profile = repProfile(config.routing, found.team.id, repId);
      const holidays = holidaysOf(config.holidays, profile.country ? { country: profile.country, state: profile.state } : undefined);
      // Time away is routing's (a rep away is not handed leads); the clocks count the rep's hours and holidays.
      calendar = repCalendar(profile, found.rep.timeZone, holidays, []);
      cache.set(repId, calendar);
    }
    return calendar;
  };
}

/**
 * The calendar of a rep config/ no longer knows (removed from teams.json
 * while their leads are still followed up): Monday to Friday, 09:00–17:00,
 * no holidays, in `timeZone` (the team's, else UTC).
 */
export function defaultCalendar(timeZone = 'UTC'): WorkCalendar {
  return { timeZone, week: defaultWeeklyHours, holidays: [], away: [] };
}

/** A team's time zone: its manager's, else the one all its reps share; undefined when it has none. */
export function teamTimeZone(team: Pick<Team, 'manager' | 'reps'>): string | undefined {
  if (team.manager.timeZone !== undefined) return team.manager.timeZone;
  const zones = new Set(team.reps.map((rep) => rep.timeZone));
  return zones.size === 1 ? [...zones][0] : undefined;
}

/**
 * A rep's calendar, or the default one (defaultCalendar in `fallbackZone`)
 * when the rep is not in config/teams.json any more: a clock already
 * running for them is counted on it rather than failing. `known` says which,
 * so the caller can log it.
 */
export function calendarOrDefault(calendars: RepCalendars, repId: string, fallbackZone = 'UTC'): { calendar: WorkCalendar; known: boolean } {
  try {
    return { calendar: calendars(repId), known: true };
  } catch (error) {
    if (error instanceof UnknownRepError) return { calendar: defaultCalendar(fallbackZone), known: false };
    throw error;
  }
}

/**
 * The zone a deadline is shown in to a manager: their own when teams.json
 * gives one, else the rep's (the deadline is counted in the rep's hours, and
 * the zone is named beside the time, so nobody has to guess).
 */
export function managerTimeZone(manager: { timeZone?: string | undefined }, repTimeZone: string): string {
  return manager.timeZone ?? repTimeZone;
}
