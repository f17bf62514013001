/** Progress lines on stderr (stdout stays clean for data and --json), stamped with elapsed time. */
export const progress = (prefix = 'capstan') => {
  const start = Date.now();
  return (line: string) => {
    const s = ((Date.now() - start) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${prefix} ${s}s] ${line}\n`);
  };
};
