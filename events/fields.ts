import { z } from 'zod';

/**
 * RFC 3339 timestamp with `Z` or a `+hh:mm` offset and any sub-second precision: Distribution sends
 * nanoseconds with local offsets. Sources convert unix seconds (Harbor, Docker Hub) and CloudWatch's
 * `+0000` offsets to this form before building an event, so consumers compare one format.
 */
export const DateTimeSchema = z.iso.datetime({ offset: true });

/**
 * Unix seconds (Harbor's `occur_at`, Docker Hub's `pushed_at`), bounded to what an RFC 3339 time can say: a
 * larger number has no Date (toISOString throws), so it must be refused as bad input, not fail as a 500.
 */
export const MAX_UNIX_SECONDS = Date.parse('9999-12-31T23:59:59Z') / 1000;
export const UnixSecondsSchema = z
  .number()
  .nonnegative()
  .max(MAX_UNIX_SECONDS, 'must be unix seconds before the year 10000');

/**
 * DNS-1123 subdomain: nodes, pods and persistent volumes are named by it (up to 253 characters, may
 * contain dots), unlike the label-shaped names capstan gives its own apps, clusters and namespaces.
 */
export const SubdomainSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")',
  );

/** Free text from a producer (reasons, messages, user names): bounded so one event fits a queue message. */
export const text = (max: number) => z.string().min(1).max(max);
