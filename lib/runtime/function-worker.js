// A worker thread is a fresh Node instance: it needs tsx to run capstan's TypeScript, as lib/cli/bin.js does.
import { register } from 'tsx/esm/api';

register();
await import('./function-worker.ts');
