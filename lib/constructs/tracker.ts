import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import { LeadFunction } from './lead-function.ts';

export interface TrackerProps {
  /** The API that serves the script; the script sends its events back to the same API. */
  readonly httpApi: HttpApi;
}

/**
 * The browser tracker: `GET /t.js` (and `HEAD`: an HTTP API routes no method it was not
 * given) on the events API, and `POST /v1/m`, where Segment's browser library reports its
 * own delivery metrics (accepted, not kept). The function stores nothing, so it is granted
 * nothing beyond logs and tracing.
 */
export class Tracker extends Construct {
  constructor(scope: Construct, id: string, props: TrackerProps) {
    super(scope, id);
    const tracker = new LeadFunction(this, 'Tracker', {
      entry: 'tracker/handler.ts',
      description: 'Serves the browser tracker script (t.js); accepts and drops analytics.js metrics',
      memorySize: 128,
    });
    const integration = new HttpLambdaIntegration('TrackerIntegration', tracker);
    props.httpApi.addRoutes({ path: '/t.js', methods: [HttpMethod.GET, HttpMethod.HEAD], integration });
    props.httpApi.addRoutes({ path: '/v1/m', methods: [HttpMethod.POST], integration });
  }
}
