import { campaignsSchema } from '#core/campaigns.ts';
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import { feedbackConfigSchema } from '#core/feedback.ts';
import { privacySchema } from '#core/privacy.ts';
import type { ReportSlicing } from '#core/report-counts.ts';
import { reportsConfigSchema } from '#core/report-traits.ts';
import { routingIssues, routingSchema } from '#core/routing.ts';
import { scoringModelSchema } from '#core/scoring.ts';
import { serviceAgreementSchema } from '#core/service-agreement.ts';
import { teamsSchema } from '#core/teams.ts';
import campaignsJson from './campaigns.json' with { type: 'json' };
import feedbackJson from './feedback.json' with { type: 'json' };
import privacyJson from './privacy.json' with { type: 'json' };
import reportsJson from './reports.json' with { type: 'json' };
import routingJson from './routing.json' with { type: 'json' };
import scoringModelJson from './scoring-model.json' with { type: 'json' };
import serviceAgreementJson from './service-agreement.json' with { type: 'json' };
import teamsJson from './teams.json' with { type: 'json' };

/**
 * The deployed configuration: parsed once, at start, and failing with a
 * message that names the file and field when something is wrong.
 */
export const scoringModel = parseConfig('config/scoring-model.json', scoringModelSchema, scoringModelJson);
export const serviceAgreement = parseConfig('config/service-agreement.json', serviceAgreementSchema, serviceAgreementJson);
export const teams = parseConfig('config/teams.json', teamsSchema, teamsJson);
export const privacy = parseConfig('config/privacy.json', privacySchema, privacyJson);
export const feedback = parseConfig('config/feedback.json', feedbackConfigSchema, feedbackJson);
export const campaigns = parseConfig('config/campaigns.json', campaignsSchema, campaignsJson);
export const reports = parseConfig('config/reports.json', reportsConfigSchema, reportsJson);
/** What every writer of lead saves slices report counts by: one value, so all writers agree (lead-store.ts `slicing`). */
export const reportSlicing: ReportSlicing = { campaigns, traits: reports.traits };
/** Which team and rep a lead goes to (rules, weights, caps, hours), checked against teams.json at start. */
export const routing = parseConfig('config/routing.json', routingSchema, routingJson);
const routingAgainstTeams = routingIssues(routing, teams);
if (routingAgainstTeams.length > 0) throw new ConfigError('config/routing.json', routingAgainstTeams);
