import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The Context a Lambda invocation gets, enough for Powertools (remaining time, request id, names). */
export const lambdaContext = (functionName: string, timeoutSeconds: number, memoryMb = 512): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/capstan/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
};
