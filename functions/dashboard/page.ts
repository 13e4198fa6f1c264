import { createHash } from 'node:crypto';

/**
 * The dashboard's page: a static shell holding only the sign-in form. The browser script
 * (GET /dashboard/app.js, built from ./browser/main.ts) asks for the server key, keeps it in
 * sessionStorage, and builds every panel from the report API's answers, as text. Nothing in
 * the page depends on who asks, so nothing secret or lead-supplied is ever in it.
 */

/** Where the page's script is served, on the same API. */
export const SCRIPT_PATH = '/dashboard/app.js';

const styles = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6474; --line: #dde1e8; --panel: #fff; --back: #f4f6f9; --accent: #2f5bd3; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--back); }
header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .75rem 1rem; background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 1.15rem; }
main { max-width: 78rem; margin: 0 auto; padding: 1rem; }
h2 { margin: 0 0 .5rem; font-size: 1.05rem; }
h3 { margin: 1rem 0 .4rem; font-size: .95rem; }
p { margin: .4rem 0; }
.muted { color: var(--muted); }
.error { color: var(--bad); }
form#sign-in { max-width: 26rem; margin: 3rem auto; padding: 1.25rem; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
form#sign-in label { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
input, select, button { font: inherit; }
input, select { width: 100%; padding: .45rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
button { padding: .45rem .9rem; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
button.quiet { background: transparent; color: var(--accent); }
form#sign-in button { margin-top: .9rem; width: 100%; }
.controls { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; align-items: end; margin-bottom: 1rem; }
.controls label { display: block; font-size: .85rem; color: var(--muted); }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); gap: 1rem; }
.panel { min-width: 0; padding: 1rem; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.panel.wide { grid-column: 1 / -1; }
.chart { position: relative; height: 18rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(8rem, 1fr)); gap: .5rem; margin: .5rem 0; }
.tile { padding: .5rem .6rem; border: 1px solid var(--line); border-radius: 6px; }
.tile .value { display: block; font-size: 1.3rem; font-weight: 650; }
.tile .label { font-size: .8rem; color: var(--muted); }
.table { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; overflow-wrap: anywhere; min-width: 7rem; }
thead th { color: var(--muted); font-weight: 600; }
.panel .controls { grid-template-columns: repeat(auto-fit, minmax(9rem, 14rem)); margin-bottom: .5rem; }
.sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); gap: 1rem; }
.tile .target, .tile .trend, .tile .note { display: block; font-size: .8rem; }
.tile .target.met, .tile .trend.better { color: #1a7f37; }
.tile .target.missed, .tile .trend.worse { color: var(--bad); }
tr.chosen td { background: #eef2fc; }
.chart.small { height: 12rem; }
.comments { list-style: none; margin: 0; padding: 0; }
.comments li { padding: .4rem 0; border-bottom: 1px solid var(--line); }
.comments q { display: block; overflow-wrap: anywhere; }
@media (max-width: 40rem) { main { padding: .5rem; } .panel { padding: .75rem; } .chart { height: 14rem; } }
`;

export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LeadLoop dashboard</title>
<link rel="icon" href="data:,">
<style>${styles}</style>
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body>
<header><h1>LeadLoop</h1><button id="sign-out" class="quiet" type="button" hidden>Sign out</button></header>
<main id="main">
<form id="sign-in" hidden>
<h2>Sign in</h2>
<p class="muted">The dashboard reads the reports with a server key. It stays in this browser tab (session storage) and is sent only to this API, as a header.</p>
<label for="server-key">Server key</label>
<input id="server-key" type="password" autocomplete="off" spellcheck="false" required>
<p id="sign-in-error" class="error" role="alert" hidden></p>
<button type="submit">Sign in</button>
</form>
<noscript><p>The dashboard needs JavaScript.</p></noscript>
</main>
</body>
</html>
`;

const styleHash = createHash('sha256').update(styles).digest('base64');

/**
 * What the page may load and do: its own script and the one style block above, requests to
 * this API only, no plugins, frames or form submissions (the key field has no name, and the
 * script handles the form: a key never travels in a URL).
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'sha256-${styleHash}'`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
