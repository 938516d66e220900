#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, also run by `npm ci` via `prepare`).
'use strict';
const path = require('path');
// A short batch process: let V8 favour a small heap over the last few percent of speed. A full synth
// of 1000 releases then peaks near 115 MB instead of 165 MB for about 8% more time (scripts/bench.js).
require('v8').setFlagsFromString('--optimize-for-size');
// Node >= 22.1 keeps compiled code between runs (most of a move's start-up is compiling modules).
const nodeModule = require('module');
if (typeof nodeModule.enableCompileCache === 'function') nodeModule.enableCompileCache();
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
