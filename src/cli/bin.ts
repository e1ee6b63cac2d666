#!/usr/bin/env -S node --max-semi-space-size=2
import { main } from './main.js';
import { processIo } from './io.js';

// EPIPE (output piped into `head`) ends quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2), processIo()).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`synack: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
