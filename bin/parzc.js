#!/usr/bin/env node
// Entry point of `npx parzc`: runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
