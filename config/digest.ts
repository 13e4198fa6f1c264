import { parseConfig } from '#core/config-errors.ts';
import { digestConfigSchema } from '#core/digest-config.ts';
import digestJson from './digest.json' with { type: 'json' };

/**
 * config/digest.json, parsed at start like config/index.ts's files and failing
 * the same way (naming the file and field). A module of its own: only the
 * digest function, the CLI and the stack read it, so the other functions'
 * bundles do not carry its schema (email and URL checks, time zones).
 */
export const digest = parseConfig('config/digest.json', digestConfigSchema, digestJson);
