/** HTTP headers as API Gateway hands them over (lowercased there, but any case from other hosts). */
export type Headers = Readonly<Record<string, string | undefined>>;

/** A header by name, in any case: HTTP header names are case-insensitive. */
export const header = (headers: Headers, name: string): string | undefined => {
  const lower = name.toLowerCase();
  if (headers[lower] !== undefined) return headers[lower];
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
};

/** What the chat routes answer: a status and a JSON body (the HTTP edge's shape, lib/ingest/answer.ts). */
export interface ChatAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}
