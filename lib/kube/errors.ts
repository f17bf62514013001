import { ApiException } from '@kubernetes/client-node';
import { ClusterError, ClusterRejectedError, ClusterUnavailableError } from '../errors.ts';

/** Codes that may heal on their own: conflicts, throttling, server trouble, and timeouts. */
const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/**
 * Kubernetes client errors never leak into the domain: an HTTP answer becomes a retryable or terminal
 * cluster error by status, and anything else (refused connection, TLS, DNS) means the cluster is unreachable.
 */
export const translateKubeError = (cluster: string, error: unknown): never => {
  if (error instanceof ClusterError) throw error; // translated already (or credentials that cannot work)
  if (error instanceof ApiException) {
    const reason = statusMessage(error.body) ?? error.message.split('\n')[0];
    const message = `HTTP ${error.code}: ${reason}`;
    throw RETRYABLE_STATUS.has(error.code)
      ? new ClusterUnavailableError(cluster, message, { cause: error })
      : new ClusterRejectedError(cluster, message, { cause: error });
  }
  const detail =
    error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
  throw new ClusterUnavailableError(cluster, `unreachable (${detail})`, { cause: error });
};

const statusMessage = (body: unknown): string | undefined => {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  return parsed && typeof parsed === 'object' && 'message' in parsed ? String(parsed.message) : undefined;
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The one test for "it is not there" in a Kubernetes answer: a delete or a read treats it as done or absent. */
export const isNotFound = (error: unknown): boolean => error instanceof ApiException && error.code === 404;
