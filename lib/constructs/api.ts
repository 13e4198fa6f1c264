import { Duration } from 'aws-cdk-lib';
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { INGEST_PATH_PREFIX, ingestPathSegments } from '../../functions/core/event-types.ts';
import { SCRIPT_PATH as DASHBOARD_SCRIPT_PATH } from '../../functions/dashboard/page.ts';
import { dashboardScriptBuild } from './dashboard-script.ts';
import { LeadFunction } from './lead-function.ts';
import type { Tables } from './tables.ts';

/**
 * Requests per second (steady, and the burst a token bucket allows) the API's stage lets
 * through, per route: a flood on one route is refused there with 429 and leaves the others
 * (and the account's limit, shared with every API in the region) alone. Ingest takes the
 * bulk; reads and writes by server keys far less. Stated in the README, "Abuse limits".
 */
export const API_THROTTLE = {
  /** every route without its own limit */
  default: { rateLimit: 200, burstLimit: 400 },
  /** each ingest route (a browser's or Segment's events) */
  ingest: { rateLimit: 2000, burstLimit: 4000 },
} as const;

export interface ApiProps {
  readonly tables: Tables;
}

/**
 * The HTTP API: Segment-compatible ingestion, the one-click hand-off links,
 * reading leads back, and reports. One function per concern, each with only the access it needs.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  /** the stage's access log (one JSON line per request) */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { events, leads } = props.tables;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'LeadLoop: events in, hand-off actions, leads, reports',
      // Browsers send events: the tracker as text/plain without credentials (no preflight), Segment's
      // analytics.js with Basic auth (preflighted) and, on a retry, X-Retry-Count. Browsers cap the max age
      // (Chrome at two hours); one preflight then covers many events.
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.GET],
        allowHeaders: ['authorization', 'content-type', 'x-retry-count'],
        maxAge: Duration.days(1),
      },
    });

    const ingest = new LeadFunction(this, 'Ingest', {
      entry: 'ingest/handler.ts',
      description: 'Validates Segment-shaped events and stores each once',
      environment: settingsEnvironment({ eventsTable: events.tableName, leadsTable: leads.tableName }),
    });
    events.grant(ingest, 'dynamodb:PutItem');
    leads.grant(ingest, 'dynamodb:GetItem');
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', ingest);
    // Segment's paths, and the short ones its browser library (analytics.js 2.0) posts to.
    const ingestRoutes: HttpRoute[] = [];
    for (const segment of ingestPathSegments) {
      ingestRoutes.push(...this.httpApi.addRoutes({ path: `${INGEST_PATH_PREFIX}${segment}`, methods: [HttpMethod.POST], integration: ingestIntegration }));
    }

    // The stage: an access log (who called which route, the status; never the query string or a body)
    // and throttling, by default per route and higher for ingest's routes.
    const stage = this.httpApi.defaultStage!.node.defaultChild as CfnStage;
    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH }));
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        requestTime: '$context.requestTime',
        ip: '$context.identity.sourceIp',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseLength: '$context.responseLength',
        integrationLatency: '$context.integrationLatency',
        error: '$context.error.message',
      }),
    };
    const throttle = ({ rateLimit, burstLimit }: { rateLimit: number; burstLimit: number }) => ({ throttlingRateLimit: rateLimit, throttlingBurstLimit: burstLimit });
    stage.defaultRouteSettings = throttle(API_THROTTLE.default);
    // a map in CloudFormation's own casing (the L1 passes it through as JSON)
    stage.routeSettings = Object.fromEntries(
      ingestRoutes.map((route) => [`POST ${route.path}`, { ThrottlingRateLimit: API_THROTTLE.ingest.rateLimit, ThrottlingBurstLimit: API_THROTTLE.ingest.burstLimit }]),
    );
    // a route's settings need the route to exist first
    for (const route of ingestRoutes) stage.node.addDependency(route);

    const outcome = new LeadFunction(this, 'Outcome', {
      entry: 'outcome/handler.ts',
      description: 'Records a rep accepting or rejecting a hand-off from the email links',
      environment: settingsEnvironment({ eventsTable: events.tableName, leadsTable: leads.tableName }),
    });
    events.grant(outcome, 'dynamodb:PutItem');
    leads.grant(outcome, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.httpApi.addRoutes({
      path: '/v1/handoffs/{leadId}/{cycle}/{action}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('OutcomeIntegration', outcome),
    });

    const feedback = new LeadFunction(this, 'Feedback', {
      entry: 'feedback/handler.ts',
      description: 'The feedback page of a signed link: a rep rates a hand-off, ticks reasons, comments',
      environment: settingsEnvironment({ eventsTable: events.tableName, leadsTable: leads.tableName }),
    });
    // the signing key, the lead, its cycle and feedback (reads); the feedback, its event and its report counts, in one transaction
    events.grant(feedback, 'dynamodb:PutItem');
    leads.grant(feedback, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.httpApi.addRoutes({
      path: '/v1/feedback/{leadId}/{cycle}/{occasion}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('FeedbackIntegration', feedback),
    });

    const activities = new LeadFunction(this, 'Activities', {
      entry: 'activities/handler.ts',
      description: 'Records what a rep did for a lead (call, email, meeting): the sales clocks count it',
      environment: settingsEnvironment({ eventsTable: events.tableName, leadsTable: leads.tableName }),
    });
    // the key, the lead (by its identity link, its profile and score), then the activity and its event in one transaction
    // the activity's transaction updates its cycle (the scorecard, the rep's open lead) and counts
    leads.grant(activities, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    events.grant(activities, 'dynamodb:PutItem');
    this.httpApi.addRoutes({
      path: '/v1/activities',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ActivitiesIntegration', activities),
    });

    const reports = new LeadFunction(this, 'Reports', {
      entry: 'reports/handler.ts',
      description: 'Closed-loop reports read from counters kept by the stream path',
      environment: settingsEnvironment({ leadsTable: leads.tableName }),
    });
    // the funnel counters (one BatchGet of the shards) and a period's report items (one Query per day's partition);
    // stalled leads, one Query of the stalled index per stage and shard (a grant on the table covers its indexes), and their profiles;
    // the latest feedback comments, one Query per day's partition, newest first
    leads.grant(reports, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query');
    const reportsIntegration = new HttpLambdaIntegration('ReportsIntegration', reports);
    for (const path of ['/v1/reports/funnel', '/v1/reports/calibration', '/v1/reports/attribution', '/v1/reports/service-agreement', '/v1/reports/stalled', '/v1/reports/feedback']) {
      this.httpApi.addRoutes({ path, methods: [HttpMethod.GET], integration: reportsIntegration });
    }

    // The page both teams open and its script (Chart.js bundled in): no data, so no grants; the
    // script reads the reports above with the server key the person signs in with.
    const dashboard = new LeadFunction(this, 'Dashboard', {
      entry: 'dashboard/handler.ts',
      description: 'Serves the dashboard page and its script; the data comes from the report API',
      memorySize: 128,
      afterBundling: dashboardScriptBuild,
    });
    const dashboardIntegration = new HttpLambdaIntegration('DashboardIntegration', dashboard);
    for (const path of ['/dashboard', DASHBOARD_SCRIPT_PATH]) {
      this.httpApi.addRoutes({ path, methods: [HttpMethod.GET], integration: dashboardIntegration });
    }

    const leadReader = new LeadFunction(this, 'Leads', {
      entry: 'leads/handler.ts',
      description: 'Reads a lead back by id or email, with its score explained as of now',
      environment: settingsEnvironment({ leadsTable: leads.tableName, eventsTable: events.tableName }),
    });
    // the identity link, then the lead: its profile and score, the markers of its recent events, and their bodies
    leads.grant(leadReader, 'dynamodb:GetItem', 'dynamodb:Query');
    events.grant(leadReader, 'dynamodb:BatchGetItem');
    const leadsIntegration = new HttpLambdaIntegration('LeadsIntegration', leadReader);
    for (const path of ['/v1/leads/{leadId}', '/v1/leads']) {
      this.httpApi.addRoutes({ path, methods: [HttpMethod.GET], integration: leadsIntegration });
    }

    const crmOutcomes = new LeadFunction(this, 'CrmOutcomes', {
      entry: 'crm/handler.ts',
      description: 'Records what the CRM reports about leads (deal stages, won/lost, amount); the stream path applies it',
      environment: settingsEnvironment({ leadsTable: leads.tableName, eventsTable: events.tableName }),
    });
    // the key, the identity link, the lead (profile, score, markers); the outcomes stored once, in one transaction
    leads.grant(crmOutcomes, 'dynamodb:GetItem', 'dynamodb:Query');
    events.grant(crmOutcomes, 'dynamodb:PutItem', 'dynamodb:BatchGetItem');
    this.httpApi.addRoutes({
      path: '/v1/outcomes',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('CrmOutcomesIntegration', crmOutcomes),
    });

  }
}
