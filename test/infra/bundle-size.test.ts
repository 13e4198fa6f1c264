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
// Sizes on 2026-12-01 (bench/RESULTS.md, coldstart, the last section): Ingest 549, Leads 557,
// Outcome 549, Reports 514, AssignRep 544, AwaitAcceptance 529, Escalate 613, SendHandoff 614,
// Score 586, Tracker 39 KB. Re-baselined for issue 10's cold start: the schemas on zod/mini
// (≈30 KB of zod where classic zod was ≈440 KB), and the SES and Step Functions clients only in the
// functions that use them. What is left is mostly the SDK (the DynamoDB client ≈330 KB with what
// it shares), Powertools Tracer with the X-Ray SDK (≈120 KB) and Logger/Metrics (≈40 KB).
const BUDGET_KB: Record<string, number> = {
  'Api/Activities': 635,
  // measured at 568 KB when it was added (issue 11): the Leads function's reads plus the outcome schemas
  'Api/CrmOutcomes': 655,
  // the handler only, measured at 37 KB when it was added (issue 12); its browser script, a file
  // beside it, has its own budget in dashboard-script.test.ts
  'Api/Dashboard': 43,
  'Api/Feedback': 635,
  'Api/Ingest': 635,
  'Api/Leads': 645,
  'Api/Outcome': 635,
  // 598 KB with issue 12's reports (scorecard, stalled leads from the index, feedback and comments,
  // campaign and trait slices): their config (teams, feedback, reports, campaigns) and schemas
  'Api/Reports': 690,
  // 656 KB with issue 13's routing: the routing core and its config, the rep store, and the mailer with the SES client
  // (it tells the manager when a lead must wait in the queue)
  'Journey/AssignRepFunction': 755,
  // measured at 591 KB when it was added (issue 13): the queue wait's token, the lead store's cycle read, the Step Functions client
  'Journey/AwaitRepFunction': 680,
  // measured at 612 KB when it was added (issue 13): the routing core, the rep and lead stores, the Step Functions client
  'QueueDrain/Function': 705,
  // measured at 551 KB when it was added (issue 14): the open-cycles index read, the journey runner and the Step Functions client
  'JourneyReconciler/Function': 635,
  'Journey/AwaitAcceptanceFunction': 610,
  // 705.1 KB with the time to accept counted on the reps' calendars (report-counts.ts acceptanceMs, calendarOrDefault: +0.5 KB, issue 12)
  'Journey/EscalateFunction': 710,
  // measured at 649 KB when it was added (issue 13): the hand-off's lead read, link signing and mailer, without the history
  'Journey/RemindRepFunction': 745,
  'Journey/FollowUpFunction': 715,
  'Journey/AwaitFollowUpFunction': 635,
  'Journey/SendHandoffFunction': 710,
  // 675.6 KB after issue 14's erasure tombstone check and issue 12's working-hours time to accept (the reps' calendars)
  // 681 KB with campaigns' event rules claiming touches and the personal-value rule for report keys (issue 12/14 audits)
  'Scoring/Score': 690,
  // measured at 653 KB when it was added (issue 12): the Reports function's reads plus the mailer and SES client
  'Digest/Function': 750,
  'Tracker/Tracker': 45,
  // measured when added (issue 13): the step 648 KB (the lead store, the mailer and SES client), the click 556 KB,
  // the unsubscribe 563 KB and the SES events 589 KB (each with the Step Functions client that stops a lead's program)
  'Nurture/NurtureStepFunction': 710,
  'Nurture/NurtureClickFunction': 620,
  'Nurture/UnsubscribeFunction': 625,
  'Nurture/DeliveryEventsFunction': 650,
  // measured when added (issue 14): the erasure 629 KB (with the Step Functions client that stops the person's programs),
  // the export 573 KB (reads only)
  'Privacy/Forget': 700,
  'Privacy/Export': 640,
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
    const codeFile = path.join(cdkOut, assetPath, file);
    return { constructPath, codeFile, bytes: statSync(codeFile).size };
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

  it.each(bundles.map((b) => [b.constructPath, b.codeFile]))('%s carries zod/mini, not classic zod', (_constructPath, codeFile) => {
    const { sources } = JSON.parse(readFileSync(`${codeFile}.map`, 'utf8')) as { sources: string[] };
    expect(sources.filter((source) => source.includes('node_modules/zod/v4/classic/'))).toEqual([]);
  });

  it.each(bundles.map((b) => [b.constructPath, b.codeFile]))('%s imports node:http and node:process through their shims', (_constructPath, codeFile) => {
    // Their ES module facades cost more than the modules (docs/decisions.md, "Bundling").
    const imported = [...readFileSync(codeFile, 'utf8').matchAll(/from\s*"((?:node:)?(?:http|process))"/g)].map((m) => m[1]);
    expect(imported).toEqual([]);
  });
});
