/**
 * What a panel of the dashboard is given and what it offers the page: it asks the report API
 * through `ask` (the page's own request, with the key as a header), follows the page's period and
 * slice through `load`, and owns its section and its charts.
 */

export type Answer<T> = { ok: true; body: T } | { ok: false; status: number; message: string };

/** A GET of the report API (a path with its query), answered as the page's api() answers. */
export type Ask = <T>(path: string) => Promise<Answer<T>>;

/** What the page shows: its period (YYYY-MM-DD, both days counted), the slice, and the chosen segment of it. */
export interface PanelQuery {
  from: string;
  to: string;
  /** the funnel's `by`: all, source, campaign, team, rep, … */
  by: string;
  segment: string | undefined;
}

export interface Panel {
  /** the panel's section, mounted in the page's grid */
  readonly root: HTMLElement;
  /** asks for the period and slice and shows the answer; an older request's answer is dropped */
  load(query: PanelQuery): void;
  destroy(): void;
}
