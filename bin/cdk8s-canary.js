#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, also run by `npm ci` via `prepare`):
// build/cli.js, the CLI in one file (scripts/bundle.js); cdk8s is loaded only by commands that
// synthesize.
//
// Start-up is mostly V8 compiling that file. Node >= 22.1 keeps compiled code between runs
// (module.enableCompileCache). On older Node the launcher does the same for build/cli.js alone: it
// compiles the file with V8's code cache (vm.Script cachedData) kept in build/.cache/, named after
// the file's build id, size, the Node version and the architecture; V8 itself refuses a cache made
// by another V8 or with other flags, and then the file is compiled as usual and the cache written
// again after the command. A cache that cannot be read or written only costs time.
'use strict';
const fs = require('fs');
const path = require('path');

const BUNDLE = path.join(__dirname, '..', 'build', 'cli.js');

function missing() {
  process.stderr.write('cdk8s-canary: the compiled CLI is missing; run `npm run build` (or `npm ci`) first\n');
  process.exit(1);
}

/** Loads build/cli.js through V8's code cache; returns its exports and a function that saves the cache when it should. */
function loadWithCodeCache() {
  let source;
  try { source = fs.readFileSync(BUNDLE, 'utf8'); } catch (e) { if (e && e.code === 'ENOENT') missing(); throw e; }
  const vm = require('vm');
  const { createRequire } = require('module');
  // scripts/bundle.js ends the file with `//# build <sha1 of the rest>`
  const id = /\/\/# build ([0-9a-f]{40})\s*$/.exec(source.slice(-64));
  const cacheFile = id && path.join(path.dirname(BUNDLE), '.cache', `cli-${id[1]}-${source.length}-${process.version}-${process.arch}.v8`);
  let cached;
  if (cacheFile) try { cached = fs.readFileSync(cacheFile); } catch { /* first run */ }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, ...(cached ? { cachedData: cached } : {}) });
  const mod = { exports: {}, filename: BUNDLE, id: BUNDLE, loaded: false };
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE));
  mod.loaded = true;
  const save = () => {
    if (!cacheFile || (cached && !script.cachedDataRejected)) return;
    try {
      // after the command: the cache then holds the functions it compiled, not only the top level
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      for (const old of fs.readdirSync(path.dirname(cacheFile))) if (/^cli-.*\.v8$/.test(old)) fs.rmSync(path.join(path.dirname(cacheFile), old), { force: true });
      const tmp = `${cacheFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch { /* read-only install: compile every time */ }
  };
  return { cli: mod.exports, save };
}

let loaded;
const nodeModule = require('module');
if (typeof nodeModule.enableCompileCache === 'function') {
  nodeModule.enableCompileCache();
  try {
    loaded = { cli: require(BUNDLE), save: () => undefined };
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(path.join('build', 'cli.js'))) missing();
    throw e;
  }
} else {
  loaded = loadWithCodeCache();
}
loaded.cli.run(process.argv).then((code) => {
  process.exitCode = code;
  loaded.save();
});
