/**
 * Every error capstan raises on purpose, in one place. `retryable` decides what a queue consumer does:
 * retryable -> the message is retried (and after N receives redriven to the DLQ by SQS);
 * terminal -> the message is recorded in history and sent straight to the DLQ with its reason.
 */
export abstract class CapstanError extends Error {
  abstract readonly retryable: boolean;
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that can never succeed: bad event, unknown app, refused by policy. */
export class InvalidInputError extends CapstanError {
  readonly retryable = false;
  readonly code = 'invalid-input';
  constructor(
    readonly summary: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length ? `${summary}: ${issues.join('; ')}` : summary);
  }
}

/** Referenced thing does not exist (cluster, release). */
export class NotFoundError extends CapstanError {
  readonly retryable = false;
  readonly code = 'not-found';
}

/** Something about one cluster; the message always starts with the cluster's name. */
export abstract class ClusterError extends CapstanError {
  constructor(
    readonly cluster: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`cluster ${cluster}: ${message}`, options);
  }
}

/** A cluster could not be reached or answered 5xx/429: try again later. */
export class ClusterUnavailableError extends ClusterError {
  readonly retryable = true;
  readonly code = 'cluster-unavailable';
}

/** The cluster refused the request for good (4xx other than 409/429): retrying changes nothing. */
export class ClusterRejectedError extends ClusterError {
  readonly retryable = false;
  readonly code = 'cluster-rejected';
}

/**
 * A cluster's credentials cannot be used (no kubeconfig file, a file that cannot be read, no such context, no
 * such secret or one without a kubeconfig): terminal, since a retry reads the same thing again; the fix is
 * `capstan clusters add` or the secret.
 */
export class ClusterCredentialsError extends ClusterError {
  readonly retryable = false;
  readonly code = 'cluster-credentials';
}

/** Lost a race on a conditional write or lease; the work is retried. */
export class ConflictError extends CapstanError {
  readonly retryable = true;
  readonly code = 'conflict';
}

/** Some clusters of a release failed in a way that may heal (the others are done and stay done). */
export class PartialFailureError extends CapstanError {
  readonly retryable = true;
  readonly code = 'partial-failure';
}

/** Code asked to do what the topology does not grant it (e.g. send an event type its function does not emit). */
export class ContractError extends CapstanError {
  readonly retryable = false;
  readonly code = 'contract';
}

/** Slack could not answer now (rate limited, 5xx, unreachable): the notice is tried again later. */
export class ChatUnavailableError extends CapstanError {
  readonly retryable = true;
  readonly code = 'chat-unavailable';
}

/** Slack refused for good (invalid_auth, channel_not_found, not_in_channel): retrying changes nothing. */
export class ChatRefusedError extends CapstanError {
  readonly retryable = false;
  readonly code = 'chat-refused';
}

/**
 * The one retry rule: capstan's own errors say whether they may heal; anything else (an SDK error, a
 * dropped connection, a bug) is retried, and gives up at the queue's last receive.
 */
export const isRetryable = (error: unknown): boolean => !(error instanceof CapstanError) || error.retryable;

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
