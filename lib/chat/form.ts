import type { z } from 'zod';

/** A chat payload read with zod: its value, or why it is not one. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const issueText = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

/**
 * A form body read with a schema; a field the schema reads given twice is refused (which one would the chat
 * have meant?). Others may repeat: Mattermost sends `user_mentions` and `channel_mentions` (and their `_ids`)
 * once per mention, so a command naming two people carries each twice.
 */
export const parseForm = <S extends z.ZodObject>(rawBody: string, schema: S): Parsed<z.infer<S>> => {
  const form = new URLSearchParams(rawBody);
  const fields: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const values = form.getAll(key);
    if (values.length > 1) return { ok: false, reason: `${key} is given ${values.length} times` };
    if (values.length === 1) fields[key] = values[0] as string;
  }
  const parsed = schema.safeParse(fields);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: issueText(parsed.error) };
};
