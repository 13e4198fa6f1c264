import { httpHandler } from '#commons/http.ts';
import { trackerSource } from './tracker-source.ts';

/** Serves the browser tracker; browsers and CDNs may keep it five minutes, so fixes reach sites quickly. */
export const handler = httpHandler(async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' },
  body: trackerSource,
}));
