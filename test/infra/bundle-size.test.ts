import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Bundle sizes are deterministic (same sources, same lock file, same esbuild),
 * so they are held to a budget here; import times are measured in
 * bench/coldstart only. A budget is the size recorded in bench/RESULTS.md
 * plus about 15% headroom: a function that outgrows it has gained a
 * dependency or lost tree-shaking; find out which before raising it.
 */
// Sizes on 2026-12-01 (bench/RESULTS.md, coldstart): Ingest 823, Leads 818, Outcome 819, Reports 362,
// AssignRep 813, AwaitAcceptance 383, Escalate 888, SendHandoff 881, Score 863, Tracker 36 KB.
// Most of it is zod (≈440 KB) and the SDK clients a function uses (≈330 KB for DynamoDB).
const BUDGET_KB: Record<string, number> = {
  'Api/Ingest': 950,
  'Api/Leads': 950,
  'Api/Outcome': 950,
  'Api/Reports': 420,
  'Journey/AssignRepFunction': 940,
  'Journey/AwaitAcceptanceFunction': 450,
  'Journey/EscalateFunction': 1030,
  'Journey/SendHandoffFunction': 1020,
  'Scoring/Score': 1000,
  'Tracker/Tracker': 42,
};

interface TemplateResource {
  Type: string;
  Properties?: { Handler?: string };
  Metadata?: Record<string, unknown>;
}

const cdkOut = path.resolve(import.meta.dirname, '../../cdk.out');
const template = JSON.parse(readFileSync(path.join(cdkOut, 'LeadLoop.template.json'), 'utf8')) as { Resources: Record<string, TemplateResource> };
const bundles = Object.values(template.Resources)
  .filter((r) => r.Type === 'AWS::Lambda::Function')
  .map((r) => {
    const assetPath = String(r.Metadata?.['aws:asset:path']);
    const constructPath = String(r.Metadata?.['aws:cdk:path']).split('/').slice(1, -1).join('/');
    const file = `${String(r.Properties?.Handler ?? 'index.handler').split('.')[0]}.mjs`;
    return { constructPath, bytes: statSync(path.join(cdkOut, assetPath, file)).size };
  });

describe('function bundles', () => {
  it('every function has a size budget, and every budget a function', () => {
    expect(bundles.map((b) => b.constructPath).sort()).toEqual(Object.keys(BUDGET_KB).sort());
  });

  it.each(Object.keys(BUDGET_KB))('%s stays within its size budget', (constructPath) => {
    const bundle = bundles.find((b) => b.constructPath === constructPath);
    if (!bundle) throw new Error(`no synthesized bundle for ${constructPath}`);
    const kb = Math.ceil(bundle.bytes / 1024);
    expect(kb, `${constructPath} is ${kb} KB, over its budget of ${BUDGET_KB[constructPath]} KB`).toBeLessThanOrEqual(BUDGET_KB[constructPath]!);
  });
});
