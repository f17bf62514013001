import type { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import { formatIssue } from '../issues.ts';

/**
 * Validates a producer payload against that producer's own format. A mismatch is a terminal error whose issues
 * name the producer's field (`events[0].target.digest: ...`), so the 4xx or DLQ reason says what to fix.
 */
export const parsePayload = <S extends z.ZodType>(producer: string, schema: S, payload: unknown): z.infer<S> => {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  throw new InvalidInputError(`${producer} payload is invalid`, result.error.issues.map(formatIssue));
};

/** A payload that passed its schema but still cannot be turned into an event (e.g. a tag push without a digest). */
export const invalidField = (producer: string, path: string, message: string): InvalidInputError =>
  new InvalidInputError(`${producer} payload is invalid`, [`${path}: ${message}`]);

/** Decodes a JSON body; the edge answers 400 with this reason when it is not JSON. */
export const readJson = (producer: string, rawBody: string): unknown => {
  try {
    return JSON.parse(rawBody);
  } catch (error) {
    throw new InvalidInputError(`${producer} body is not JSON: ${(error as Error).message}`);
  }
};
