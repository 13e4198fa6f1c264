/**
 * A progress line for long runs: `[######----] 62% 620/1,000 leads · 48,211 events · 3,410 events/s · about 0:12 left`.
 * The total is an estimate (leads ever created), so the bar stops at 100%.
 */
export interface ProgressFigures {
  done: number;
  /** undefined when not known */
  total: number | undefined;
  /** events handled so far; when not given, the rate is of what is done */
  events?: number;
  elapsedMs: number;
  /** what `done` counts @default 'leads' */
  unit?: string;
}

const number = (n: number) => n.toLocaleString('en-US');

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function progressLine({ done, total, events, elapsedMs, unit = 'leads' }: ProgressFigures, width = 24): string {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round((events ?? done) / seconds) : 0;
  const parts: string[] = [];
  if (total !== undefined && total > 0) {
    const share = Math.min(1, done / total);
    const filled = Math.round(share * width);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${number(done)}/${number(total)} ${unit}`);
  } else {
    parts.push(`${number(done)} ${unit}`);
  }
  if (events !== undefined) parts.push(`${number(events)} events`);
  parts.push(`${number(rate)} ${events === undefined ? unit : 'events'}/s`);
  if (total !== undefined && done > 0 && done < total && seconds > 0) parts.push(`about ${duration(((total - done) * seconds) / done)} left`);
  return parts.join(' · ');
}

/**
 * Writes progress to a terminal by redrawing one line (at most every 100 ms),
 * or, when output is not a terminal (CI, a log file), one line per 10% or per
 * 30 seconds.
 */
export function progressWriter(stream: { isTTY?: boolean; write: (text: string) => unknown }, now: () => number = () => performance.now()) {
  let lastDraw = -Infinity;
  let lastDecile = -1;
  let drawn = false;
  return {
    update(figures: ProgressFigures, force = false) {
      const t = now();
      if (stream.isTTY) {
        if (!force && t - lastDraw < 100) return;
        stream.write(`\r\x1b[2K${progressLine(figures)}`);
        drawn = true;
      } else {
        const decile = figures.total ? Math.floor((10 * Math.min(figures.done, figures.total)) / figures.total) : -1;
        if (!force && decile === lastDecile && t - lastDraw < 30_000) return;
        lastDecile = decile;
        stream.write(`${progressLine(figures)}\n`);
      }
      lastDraw = t;
    },
    /** ends the redrawn line so what follows starts on its own */
    end() {
      if (stream.isTTY && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
