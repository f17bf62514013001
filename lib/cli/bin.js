#!/usr/bin/env node
// The capstan CLI runs its TypeScript sources directly through tsx: no build step to forget.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node 20 that releases after January 2027 need Node 22; package.json pins SDK
// releases that support Node 20 on purpose, so the warning tells our users nothing they can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./main.ts');
