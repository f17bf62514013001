import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger } from '@aws-lambda-powertools/logger';

/**
 * A Powertools Logger that keeps each line it would print (the same JSON, context included) instead of
 * writing it out, so a test can read what would reach the logs.
 */
export class CapturingLogger extends Logger {
  readonly lines: string[] = [];

  constructor() {
    super({ serviceName: 'test', logLevel: 'DEBUG' });
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    this.lines.push(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }

  /** Every line parsed. */
  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l));
  }
}
