/** Placeholder while issue 13's pieces are built in parallel: replaced before anything lands. */
export const handler = async (): Promise<never> => {
  throw new Error('not built yet');
};
