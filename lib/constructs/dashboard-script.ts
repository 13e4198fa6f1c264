import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The dashboard's browser script, as its function reads it beside its bundle. */
export const DASHBOARD_SCRIPT_FILE = 'dashboard.js';

/** Browsers the page is written for: those of the last few years, on a laptop or a phone. */
const BROWSER_TARGETS = 'es2020,chrome100,edge100,firefox100,safari15';

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * The command that bundles the dashboard's browser script (functions/dashboard/browser/main.ts,
 * Chart.js inside, tree-shaken to the charts it draws) into `outputDir`: run when the dashboard
 * function is bundled (a LeadFunction afterBundling hook), so the script ships with the function
 * that serves it, as the tracker's does, and `npm start` serves exactly what a deployment would.
 * Chart.js's licence comment is kept at the end of the file.
 */
export function dashboardScriptBuild(outputDir: string): string[] {
  return [
    [
      quote(path.join(root, 'node_modules/.bin/esbuild')),
      quote(path.join(root, 'functions/dashboard/browser/main.ts')),
      '--bundle',
      '--minify',
      '--format=iife',
      '--platform=browser',
      `--target=${BROWSER_TARGETS}`,
      '--legal-comments=eof',
      '--log-level=warning',
      `--outfile=${quote(path.join(outputDir, DASHBOARD_SCRIPT_FILE))}`,
    ].join(' '),
  ];
}
