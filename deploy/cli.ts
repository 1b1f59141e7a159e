#!/usr/bin/env node
// The `kzlab` command (package.json "bin"). Run it as `npx kzlab …` from the repository so that the
// project's Node 24 (the `node` npm dependency) runs it: Node 24 executes this TypeScript file directly.
// The commands live in deploy/cli/commands/, the dispatcher in deploy/cli/main.ts.

import process from 'node:process';

import { main, processIo } from './cli/main.ts';

// exitCode, not process.exit(): a command such as `up` returns while its server keeps the process alive.
process.exitCode = await main(process.argv.slice(2), processIo());
