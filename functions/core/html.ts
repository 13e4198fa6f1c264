/** Small helpers for the pages reps see (hand-off links, feedback): escaped text in one plain page shell. */

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function htmlPage(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** A time as a person reads it on a page: to the minute, in UTC. */
export function readableTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface Page {
  statusCode: number;
  title: string;
  html: string;
}
