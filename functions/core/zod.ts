import en from 'zod/v4/locales/en.js';
import { config } from 'zod/mini';

/**
 * The one zod every schema is written with (`import * as z from '#core/zod.ts'`):
 * `zod/mini`, the same validation core as zod's classic API in a fraction of
 * the code a function imports at each cold start (see docs/decisions.md,
 * "Bundling"). It ships without error messages (every issue would read
 * "Invalid input"), so English, the locale classic zod installs by itself, is
 * installed here: the messages users see are zod's English ones, as before.
 * Re-exported name by name (`export *`), so a bundle keeps only what its schemas use.
 */
config(en());

export * from 'zod/mini';
