import { createApp } from './assembly.ts';

// Entry point of `cdk synth` / `cdk deploy` (see cdk.json).
createApp().app.synth();
