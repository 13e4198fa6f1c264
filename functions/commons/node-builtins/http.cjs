// node:http as a function bundle imports it (esbuild alias, lib/constructs/lead-function.ts): taken
// with process.getBuiltinModule, not through an ES module import. Node builds the ES module facade of
// a built-in by reading every export, and node:http's lazy ones (WebSocket, …) load all of undici:
// about 4x the CPU of the module itself, at every cold start (docs/decisions.md, "Bundling").
module.exports = process.getBuiltinModule('node:http');
