#!/usr/bin/env node
// The `duban` binary: loads the TypeScript sources through tsx (no build step)
// and hands over to client/cli.ts.
import { register } from 'tsx/esm/api';

register();
await import('../client/cli.ts');
