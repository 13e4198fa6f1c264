import { readFileSync } from 'node:fs';
import { dashboardHandler } from './serve.ts';

/**
 * The dashboard both teams open (GET /dashboard) and its script. The script is built with the
 * function (lib/constructs/api.ts: esbuild bundles ./browser/main.ts with Chart.js into
 * dashboard.js beside this bundle) and read on the first request, then kept.
 */
export const handler = dashboardHandler({ script: () => readFileSync(new URL('./dashboard.js', import.meta.url), 'utf8') });
