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
// Re-baselined (issue 10, perf/funnel): Powertools Tracer capturing the SDK clients brings the
// X-Ray SDK (≈125 KB minified on its own, more with what it shares with nothing else here) into every
// function with a client, and Powertools Metrics ≈15 KB: Ingest 1043, Leads 1051, Outcome 1048,
// Reports 593, AssignRep 1042, AwaitAcceptance 590, Escalate 1050, SendHandoff 1051, Score 1062 KB.
const BUDGET_KB: Record<string, number> = {
  'Api/Ingest': 1200,
  'Api/Leads': 1210,
  'Api/Outcome': 1205,
  'Api/Reports': 680,
  'Journey/AssignRepFunction': 1200,
  'Journey/AwaitAcceptanceFunction': 680,
  'Journey/EscalateFunction': 1210,
  'Journey/SendHandoffFunction': 1210,
  'Scoring/Score': 1220,
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
