import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteSpec } from '../lib/topology.ts';
import { pascal } from './names.ts';

/** One JSON line per request, in HTTP API ($context.routeKey) terms, for CloudWatch Logs Insights. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    time: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/** Webhook producers are few and bursty (a CI pipeline fanning out); anything beyond this is a runaway. */
const THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

export interface RoutedFunction {
  readonly name: string;
  readonly fn: LambdaFunction;
  readonly routes: readonly RouteSpec[];
}

/**
 * The HTTP edge for webhooks: one route per `routes` entry of lib/topology.ts, access-logged and
 * throttled. The routed functions check the ingest token (cdk/ingest-token.ts) on every request.
 */
export class IngestApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, routed: readonly RoutedFunction[]) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'capstan webhook ingest',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });

    for (const { name, fn, routes } of routed) {
      const integration = new HttpLambdaIntegration(`${pascal(name)}Integration`, fn);
      for (const route of routes) {
        const [created] = this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
        if (!created) continue;
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Webhook producers (registries, CI, chat-ops) cannot sign IAM requests or obtain Cognito/JWT tokens; ' +
            `the ${name} function authenticates every request itself (bearer token from Secrets Manager, or the ` +
            "producer's HMAC signature) before anything is parsed or enqueued, and answers 401 otherwise.",
        });
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
