/** What the HTTP edge answers: a status and a JSON body (a 4xx always says `error` and why). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export const tooLarge = (limit: number): HttpAnswer => ({
  status: 413,
  body: { error: 'too-large', reason: `body exceeds ${limit} bytes` },
});
