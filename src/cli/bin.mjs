#!/usr/bin/env node
// The `execution-gateway` command (package.json "bin"): runs the TypeScript CLI through tsx's
// loader, in this process, so exit codes and signals are the CLI's own.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
