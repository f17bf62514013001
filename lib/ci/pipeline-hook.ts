import { z } from 'zod';

const numericId = z.union([z.int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
const name = z.string().min(1).max(255);

/**
 * What capstan reads of GitLab's Pipeline Hook (docs.gitlab.com, "Webhook events", Pipeline events): the
 * pipeline (`object_attributes`), its project, who ran it and its jobs (`builds[]`, each with its
 * `environment` when it is a deployment job). Everything else GitLab sends is ignored. Bounded so a body
 * within the hook limit cannot make the decision expensive.
 */
export const PipelineHookSchema = z.object({
  object_kind: z.literal('pipeline'),
  object_attributes: z.object({
    id: numericId,
    /** The bare branch or tag name; `tag` says which. */
    ref: z.string().min(1).max(240),
    tag: z.boolean(),
    sha: z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'must be a commit sha'),
    status: z.string().min(1).max(64),
    /** `push`, `web`, `trigger`, `schedule`, `merge_request_event`...; absent in old payloads. */
    source: z.string().min(1).max(64).optional(),
    /** Pipeline variables: those the pipeline was run with (Run pipeline form, trigger, schedule, API). */
    variables: z
      .array(z.object({ key: z.string().max(255), value: z.string().max(10_000).nullish() }))
      .max(1000)
      .nullish(),
  }),
  user: z.object({ username: z.string().min(1).max(128) }).nullish(),
  project: z.object({
    id: numericId,
    web_url: z.url({ protocol: /^https?$/ }).max(1024),
    path_with_namespace: z.string().min(1).max(255),
  }),
  builds: z
    .array(
      z.object({
        id: numericId,
        name,
        status: z.string().min(1).max(64),
        environment: z.object({ name, action: z.string().min(1).max(64) }).nullish(),
      }),
    )
    .max(5000)
    .nullish(),
});
export type PipelineHook = z.infer<typeof PipelineHookSchema>;
