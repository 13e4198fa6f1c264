import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_THROTTLE } from '../../lib/constructs/api.ts';
import { LeadLoopStack } from '../../lib/leadloop-stack.ts';
import { SENDER } from './helpers.ts';

/**
 * cdk-nag's AwsSolutions rules on the stack: no finding is left unacknowledged, every
 * acknowledgement (lib/nag-acknowledgements.ts) carries its reason, and what was fixed
 * rather than acknowledged stays fixed.
 */
describe('cdk-nag AwsSolutions', () => {
  let app: App;
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new LeadLoopStack(app, 'Test', { sender: SENDER });
    // a probe the checks must catch (a queue without a dead-letter queue): they do run
    new Queue(new Stack(app, 'Probe'), 'Queue');
    // synthesize once, so every lazily built policy is there to check
    template = Template.fromStack(stack);
  });

  it('finds nothing unacknowledged in the stack (and does find the probe’s queue)', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);

    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
    expect(findings.filter((f) => !f.includes(' at Probe/'))).toEqual([]);
    expect(findings).toContain('AwsSolutions-SQS3 at Probe/Queue/Resource');
  });

  it('gives every acknowledgement a reason of one line, for four rules only', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));

    const rules = new Set(acknowledged.map(([id]) => id.replace(/^annotation::/i, '').replace(/\[.*$/, '')));
    expect(rules).toEqual(new Set(['AwsSolutions-APIG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-SQS3']));
    for (const [, reason] of acknowledged) expect(String(reason)).toMatch(/^[^\n]{20,}$/);
  });

  describe('fixed, not acknowledged', () => {
    it('logs every API request (the route and status, never a query string) for a month', () => {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      const settings = stage!.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
      expect(settings.DestinationArn).toBeDefined();
      expect(Object.keys(JSON.parse(settings.Format) as object)).toEqual(expect.arrayContaining(['requestId', 'routeKey', 'status']));
      expect(settings.Format).not.toMatch(/querystring|path\b|requestBody/i);
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('throttles every route, ingest’s higher, so a flood on one route is refused there (429)', () => {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(stage!.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: API_THROTTLE.default.rateLimit, ThrottlingBurstLimit: API_THROTTLE.default.burstLimit });
      const routes = stage!.Properties.RouteSettings as Record<string, unknown>;
      expect(Object.keys(routes).sort()).toEqual(['POST /v1/a', 'POST /v1/alias', 'POST /v1/b', 'POST /v1/batch', 'POST /v1/g', 'POST /v1/group', 'POST /v1/i', 'POST /v1/identify', 'POST /v1/p', 'POST /v1/page', 'POST /v1/t', 'POST /v1/track']);
      for (const settings of Object.values(routes)) expect(settings).toEqual({ ThrottlingRateLimit: API_THROTTLE.ingest.rateLimit, ThrottlingBurstLimit: API_THROTTLE.ingest.burstLimit });
      // each route's settings wait for the route
      expect(stage!.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ApiHttpApiPOSTv1batch/)]));
    });

    it('logs every nurture transition, without the execution’s data', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      });
    });

    it('refuses publishers without TLS on the bounces-and-complaints topic', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        }),
      });
    });
  });
});
