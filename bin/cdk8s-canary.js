#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, also run by `npm ci` via `prepare`):
// build/cli.js, the CLI in one file (scripts/bundle.js); cdk8s is loaded only by commands that
// synthesize.
//
// Start-up is mostly V8 compiling that file. Node >= 22.1 keeps compiled code between runs
// (module.enableCompileCache). On older Node the launcher does the same for its two bundles,
// build/cli.js and build/cli-runtime.js (cdk8s, constructs and the bindings, loaded by a command's
// first construct), and for the precompiled spec validators (build/lib/spec/compiled-validators.js,
// loaded by the first validation): it compiles each with V8's code cache (vm.Script cachedData) kept in
// build/.cache/, named after
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

/** Where the code caches are kept: build/.cache/. */
const CACHE_DIR = path.join(path.dirname(BUNDLE), '.cache');
const VALIDATORS = './lib/spec/compiled-validators.js';
/**
 * What build/cli.js requires that goes through the code cache as well (by the specifier it uses):
 * what it loads lazily (cdk8s, constructs, the bindings), and the precompiled spec validators (~0.6
 * MB that every command validating a spec parses).
 */
const CACHED = new Map([
  ['./cli-runtime.js', path.join(path.dirname(BUNDLE), 'cli-runtime.js')],
  [VALIDATORS, path.join(path.dirname(BUNDLE), 'lib', 'spec', 'compiled-validators.js')],
]);
const saves = [];

/**
 * Loads a bundle (build/cli.js, build/cli-runtime.js) through V8's code cache and registers it as a
 * loaded module (require.cache); the cache is saved after the command (saveCaches) when it should.
 * build/cli.js's require of `./cli-runtime.js` (its lazy modules: cdk8s, constructs, the bindings)
 * comes here too.
 */
function loadWithCodeCache(file) {
  let source;
  // the validators may be missing (the CLI then compiles the schemas: lib/spec/schemas.ts), a bundle not
  try { source = fs.readFileSync(file, 'utf8'); } catch (e) { if (e && e.code === 'ENOENT' && file !== CACHED.get(VALIDATORS)) missing(); throw e; }
  const vm = require('vm');
  const Module = require('module');
  const base = path.basename(file, '.js');
  // scripts/bundle.js ends the file with `//# build <sha1 of the rest>`
  const id = /\/\/# build ([0-9a-f]{40})\s*$/.exec(source.slice(-64));
  const cacheFile = id && path.join(CACHE_DIR, `${base}-${id[1]}-${source.length}-${process.version}-${process.arch}.v8`);
  let cached;
  if (cacheFile) try { cached = fs.readFileSync(cacheFile); } catch { /* first run */ }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, ...(cached ? { cachedData: cached } : {}) });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  const plain = Module.createRequire(file);
  const req = Object.assign((spec) => {
    const cachedFile = CACHED.get(spec);
    return cachedFile ? (Module._cache[cachedFile] || loadWithCodeCache(cachedFile)).exports : plain(spec);
  }, plain);
  Module._cache[file] = mod;
  script.runInThisContext().call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
  mod.loaded = true;
  saves.push(() => {
    // CDK8S_CANARY_CODE_CACHE=extend (the build's warm-up): written again, now with what this command compiled too
    if (!cacheFile || (cached && !script.cachedDataRejected && process.env.CDK8S_CANARY_CODE_CACHE !== 'extend')) return;
    try {
      // after the command: the cache then holds the functions it compiled, not only the top level
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const stale = new RegExp(`^${base}-[0-9a-f]{40}-.*\\.v8$`);
      // other builds' caches go; this one is replaced by the rename below, never removed first (a
      // command starting meanwhile reads the old one or the new one, not nothing)
      for (const old of fs.readdirSync(path.dirname(cacheFile))) if (stale.test(old) && old !== path.basename(cacheFile)) fs.rmSync(path.join(path.dirname(cacheFile), old), { force: true });
      const tmp = `${cacheFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch { /* read-only install: compile every time */ }
  });
  return mod;
}

let loaded;
const nodeModule = require('module');
if (typeof nodeModule.enableCompileCache === 'function') {
  nodeModule.enableCompileCache();
  try {
    loaded = require(BUNDLE);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(path.join('build', 'cli.js'))) missing();
    throw e;
  }
} else {
  loaded = loadWithCodeCache(BUNDLE).exports;
}
loaded.run(process.argv).then((code) => {
  process.exitCode = code;
  for (const save of saves) save();
});
