import { parseConfig } from '#core/config-errors.ts';
import { nurtureConfigSchema } from '#core/nurture.ts';
import nurtureJson from './nurture.json' with { type: 'json' };

/**
 * config/nurture.json, parsed at start like config/index.ts's files and failing
 * the same way (naming the file and field). A module of its own: only the
 * functions that enter leads, send steps and follow clicks read it, so the
 * others' bundles do not carry its schema.
 */
export const nurture = parseConfig('config/nurture.json', nurtureConfigSchema, nurtureJson);
