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
 * The browser tracker: `GET /t.js` on the events API. The function only returns
 * a script, so it is granted nothing beyond logs and tracing.
 */
export class Tracker extends Construct {
  constructor(scope: Construct, id: string, props: TrackerProps) {
    super(scope, id);
    const tracker = new LeadFunction(this, 'Tracker', {
      entry: 'tracker/handler.ts',
      description: 'Serves the browser tracker script (t.js)',
      memorySize: 128,
    });
    props.httpApi.addRoutes({
      path: '/t.js',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('TrackerIntegration', tracker),
    });
  }
}
