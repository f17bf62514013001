import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** What the HTTP edge answers: a status and a JSON body (a 4xx always says `error` and why). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export const tooLarge = (limit: number): HttpAnswer => ({
  status: 413,
  body: { error: 'too-large', reason: `body exceeds ${limit} bytes` },
});

/**
 * The API Gateway result of an answer, with a refusal logged by its route key: never the path (Docker Hub's
 * holds its secret) nor the request (headers and bodies carry secrets and Slack's response_url).
 */
export const httpResult = (
  answer: HttpAnswer,
  routeKey: string,
  logger: Pick<Logger, 'warn'>,
): APIGatewayProxyStructuredResultV2 => {
  if (answer.status >= 400)
    logger.warn('request refused', { route: routeKey, status: answer.status, body: answer.body });
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body),
  };
};
