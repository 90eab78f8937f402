#!/usr/bin/env node
'use strict';
// The `baton` command. tsx lets it load saga modules written in TypeScript
// (with the tsconfig paths of the directory it runs in). In Baton's own
// repository the command runs from its TypeScript sources; an installed
// package runs its compiled dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

require('tsx/cjs/api').register();
const source = join(__dirname, '..', 'src', 'cli.ts');
const { main } = require(existsSync(source) ? source : join(__dirname, '..', 'dist', 'cli.js'));
main(process.argv.slice(2), { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), cwd: process.cwd() }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`baton: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
