#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, also run by `npm ci` via `prepare`).
'use strict';
const path = require('path');
let cli;
try {
  cli = require(path.join(__dirname, '..', 'build', 'lib', 'cli', 'main.js'));
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(path.join('build', 'lib', 'cli'))) {
    process.stderr.write('cdk8s-canary: the compiled CLI is missing; run `npm run build` (or `npm ci`) first\n');
    process.exit(1);
  }
  throw e;
}
cli.run(process.argv).then((code) => { process.exitCode = code; });
