#!/usr/bin/env node
// The capstan CLI runs its TypeScript sources directly through tsx: no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
