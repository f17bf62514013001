import { z } from 'zod';

/**
 * How long, as people write it in an app spec: whole seconds, or `90s`, `5m`, `1h` (what `kubectl` and HPA
 * `behavior` users know). Read as seconds.
 */
const DURATION = 'must be a duration such as "90s", "5m" or "1h" (or whole seconds)';
export const DurationSchema = z
  .union(
    [
      z.int().min(0),
      z
        .string()
        .regex(/^\d+(s|m|h)$/)
        .transform((s) => Number.parseInt(s, 10) * { s: 1, m: 60, h: 3600 }[s.slice(-1) as 's' | 'm' | 'h']),
    ],
    { error: DURATION },
  )
  .pipe(
    z
      .int()
      .min(0)
      .max(7 * 24 * 3600, 'must be at most a week'),
  );

/**
 * Autoscaling for an app in one environment (issue 12): capstan renders an `autoscaling/v2` HPA from it with
 * every release (`hpa: true`, the default), and answers "HPA threshold hit" by raising the HPA's
 * `maxReplicas` a step at a time up to `burstMax` for `burstFor`, never twice within `cooldown`. With
 * `hpa: false` there is no HPA: the Deployment runs `max` replicas and the same override raises its replicas.
 *
 * `cooldown` is also the HPA's scale-down stabilization window, so the HPA and capstan's override calm down
 * on the same clock.
 */
export const AutoscalingSchema = z
  .strictObject({
    hpa: z.boolean().default(true),
    min: z.int().min(1).max(1000).default(1),
    max: z.int().min(1).max(1000),
    /** Average CPU utilization the HPA aims for, in percent of the pods' requests. */
    cpuTarget: z.int().min(1).max(1000).default(80),
    cooldown: DurationSchema.default(300),
    /** The highest ceiling an override may set; the spec's `max` when absent (no override). */
    burstMax: z.int().min(1).max(1000).optional(),
    /** How far one raise goes; default half of `max`, at least one. */
    burstStep: z.int().min(1).max(1000).optional(),
    burstFor: DurationSchema.default(3600),
  })
  .refine((a) => a.min <= a.max, { message: 'min must not be above max', path: ['min'] })
  .refine((a) => a.burstMax === undefined || a.burstMax >= a.max, {
    message: 'burstMax must not be below max',
    path: ['burstMax'],
  })
  .refine((a) => a.burstFor >= 60, { message: 'burstFor must be at least a minute', path: ['burstFor'] });
export type Autoscaling = z.infer<typeof AutoscalingSchema>;
