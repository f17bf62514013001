import { z } from 'zod';
import { env, type QueueName, queueNames } from './topology.ts';

/** What a function needs to find its resources; read once at cold start and validated. */
export const ConfigSchema = z.object({
  tableName: z.string().min(1, `${env.table} is not set`),
  queueUrls: z.partialRecord(z.enum(queueNames), z.url()),
  dlqUrls: z.partialRecord(z.enum(queueNames), z.url()),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (source: NodeJS.ProcessEnv = process.env): Config => {
  const pick = (name: (q: QueueName) => string) =>
    Object.fromEntries(queueNames.flatMap((q) => (source[name(q)] ? [[q, source[name(q)]]] : [])));
  const parsed = ConfigSchema.safeParse({
    tableName: source[env.table] ?? '',
    queueUrls: pick(env.queueUrl),
    dlqUrls: pick(env.dlqUrl),
  });
  if (!parsed.success) {
    throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return parsed.data;
};

export const queueUrl = (config: Config, queue: QueueName): string => {
  const url = config.queueUrls[queue];
  if (!url) throw new Error(`invalid configuration: ${env.queueUrl(queue)} is not set`);
  return url;
};

export const dlqUrl = (config: Config, queue: QueueName): string => {
  const url = config.dlqUrls[queue];
  if (!url) throw new Error(`invalid configuration: ${env.dlqUrl(queue)} is not set`);
  return url;
};
