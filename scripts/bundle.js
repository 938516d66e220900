#!/usr/bin/env node
// Second half of `npm run build` (after `tsc -p tsconfig.build.json` wrote build/):
//
// 1. build/lib/spec/compiled-validators.js: ajv's standalone code for every spec schema, so no
//    command compiles a schema at run time (~0.2 s of CPU). lib/spec/schemas.ts uses it only when its
//    recorded schema identity (schema files, ajv version and options) equals the running code's;
//    build/cli.js gets the digest of the schemas and options bundled into it as a constant
//    (CDK8S_CANARY_SCHEMA_DIGEST), computed here, rather than hashing them in every command.
// 2. build/cli.js: the CLI (build/lib/cli/main.js and everything it imports) in one file with esbuild,
//    so start-up reads one file instead of ~300 modules. cdk8s, cdk8s-plus-27, constructs and the
//    generated bindings (imports/) stay outside it and are loaded on first use through a lazy
//    module object: `status`, `validate NAME` and `--help` never load them; a command that
//    synthesizes loads them the first time a construct is made. ajv stays outside too (it is loaded
//    only to compile a schema when the precompiled validators do not match).
// 3. build/cli-runtime.js: what those lazy modules load (cdk8s, constructs, cdk8s-plus-27's k8s
//    bindings and the generated bindings of imports/) in one file of its own, each initialized on
//    first use, so the launcher loads it through V8's code cache as it does build/cli.js: compiling
//    them from node_modules was ~0.2 s of CPU in every command that synthesizes (issue 19). One
//    copy of each: cdk8s and constructs are in this file only, shared by everything that uses them.
//
// Node's own module loader runs the result: no transform of the compiled JavaScript beyond bundling.
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
const OUTFILE = path.join(BUILD, 'cli.js');

/** Packages loaded lazily (on first use of an export), and left out of the bundle (the metric analysis' template, JSONPath and statistics libraries are needed by `analyze` only). */
const LAZY_PACKAGES = ['cdk8s', 'cdk8s-plus-27', 'constructs', 'mustache', 'jsonpath-plus', '@stdlib/stats-kruskal-test', '@stdlib/stats-ranks'];
/**
 * Node built-in modules that cost noticeable start-up (each pulls in streams, sockets, OpenSSL
 * bindings...) and are needed by some commands only: loaded on first use as well.
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'http', 'https', 'net', 'tls', 'zlib', 'readline', 'v8'];
/** Lazy packages bundled into build/cli-runtime.js (the rest of LAZY_PACKAGES is required from node_modules). */
const RUNTIME_PACKAGES = ['cdk8s', 'cdk8s-plus-27', 'constructs'];
const RUNTIME_FILE = path.join(BUILD, 'cli-runtime.js');
/** The module ids build/cli.js asks build/cli-runtime.js for (a package path or `./imports/x.js`), as the bundle is made. */
const runtimeIds = new Set();
/** Packages left out of the bundle and required as usual (each is already required on demand). */
const EXTERNAL_PACKAGES = ['ajv', '@bufbuild/cel'];

function compileValidators() {
  const schemas = require(path.join(BUILD, 'lib', 'spec', 'schemas.js'));
  // whitespace and syntax minified: the file is parsed by every command that validates a spec
  const { code } = require('esbuild').transformSync(schemas.compiledValidatorsModule(), { loader: 'js', minifyWhitespace: true, minifySyntax: true, legalComments: 'none' });
  const file = path.join(BUILD, 'lib', 'spec', 'compiled-validators.js');
  fs.writeFileSync(file, code);
  stampBuildId(file); // the launcher loads it through the code cache too (bin/cdk8s-canary.js)
  return schemas.schemaDigest();
}

/**
 * Source of a module whose exports are those of `target`, required on first access. `constants`
 * are exports known at build time (the enums of the generated bindings: objects of strings), served
 * without loading the module, so a router's load-time check that names an enum value does not load
 * cdk8s.
 */
function lazyModule(target, constants = {}) {
  // a runtime module is one export of build/cli-runtime.js (a getter: initialized on first access)
  const get = runtimeIds.has(target) ? `require("./${path.basename(RUNTIME_FILE)}")[${JSON.stringify(target)}]` : `require(${JSON.stringify(target)})`;
  return `'use strict';
let real;
const load = () => (real === undefined ? (real = ${get}) : real);
const constants = ${JSON.stringify(constants)};
module.exports = new Proxy({}, {
  // TypeScript's interop reads __esModule (answered without loading) and, for a default import,
  // .default, which a Node built-in does not have: the module itself is its default then
  get: (_, k) => (k === '__esModule' ? true : real === undefined && Object.prototype.hasOwnProperty.call(constants, k) ? constants[k]
    : k === 'default' && !('default' in load()) ? load() : load()[k]),
  has: (_, k) => k in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, k) => { const d = Object.getOwnPropertyDescriptor(load(), k); return d && { ...d, configurable: true }; },
});
`;
}

/** A compiled module's file (`x` -> `x.js`), or undefined. */
function resolveJs(abs) {
  for (const f of [abs, `${abs}.js`, path.join(abs, 'index.js')]) if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  return undefined;
}

const lazyUse = new Map();
/** Whether a compiled module requires a lazy package or the generated bindings. */
function usesLazy(file) {
  if (!lazyUse.has(file)) {
    const src = fs.readFileSync(file, 'utf8');
    const re = /require\("([^"]+)"\)/g;
    let found = false;
    for (let m = re.exec(src); m && !found; m = re.exec(src)) {
      const spec = m[1];
      found = spec.startsWith('.') ? path.relative(BUILD, path.resolve(path.dirname(file), spec)).split(path.sep)[0] === 'imports' : LAZY_PACKAGES.includes(packageOf(spec));
    }
    lazyUse.set(file, found);
  }
  return lazyUse.get(file);
}

/** The exports of a generated bindings module that are enums (plain objects of strings or numbers). */
function enumsOf(abs) {
  const m = require(abs);
  const out = {};
  for (const [k, v] of Object.entries(m)) {
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number')) out[k] = v;
  }
  return out;
}

const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

const lazyPlugin = {
  name: 'cdk8s-canary-lazy',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const spec = args.path;
      const relativeSpec = spec.startsWith('.');
      // inside a lazy module: the real target (bundled for our modules; else required at run time)
      if (args.namespace === 'lazy') return args.pluginData && args.pluginData.bundled ? { path: spec } : { path: spec, external: true };
      if (!relativeSpec && EXTERNAL_PACKAGES.includes(packageOf(spec))) return { path: spec, external: true };
      if (LAZY_BUILTINS.includes(spec.replace(/^node:/, ''))) return { path: spec, namespace: 'lazy', pluginData: { target: spec } };
      if (!relativeSpec && LAZY_PACKAGES.includes(packageOf(spec))) {
        if (RUNTIME_PACKAGES.includes(packageOf(spec))) runtimeIds.add(spec);
        return { path: spec, namespace: 'lazy', pluginData: { target: spec } };
      }
      if (relativeSpec) {
        const abs = path.resolve(args.resolveDir, spec);
        const inBuild = path.relative(BUILD, abs).split(path.sep);
        const target = `./${path.relative(path.dirname(OUTFILE), abs).split(path.sep).join('/')}`;
        // the generated bindings: large, and only needed to synthesize
        if (inBuild[0] === 'imports') {
          runtimeIds.add(target);
          return { path: abs, namespace: 'lazy', pluginData: { target, constants: enumsOf(abs) } };
        }
        // the precompiled validators: read on first validation, not at start-up
        if (path.basename(abs) === 'compiled-validators.js') return { path: target, external: true };
        // a module of ours that defines constructs (it requires a lazy module): bundled, but
        // initialized on first use, so its top-level `class ... extends Construct` waits too
        const file = resolveJs(abs);
        if (file && inBuild[0] === 'lib' && usesLazy(file)) return { path: file, namespace: 'lazy', pluginData: { target: file, bundled: true } };
        // what the CLI (lib/cli/) imports from the library: bundled, initialized on first use, so a
        // command initializes the modules it calls and not those of every other command (the
        // library's own imports stay eager: a side-effect import there keeps its effect)
        const from = path.relative(BUILD, args.importer || '').split(path.sep);
        if (file && inBuild[0] === 'lib' && inBuild[1] !== 'cli' && from[0] === 'lib' && from[1] === 'cli') return { path: file, namespace: 'lazy', pluginData: { target: file, bundled: true } };
      }
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({ contents: lazyModule(args.pluginData.target, args.pluginData.constants), loader: 'js', resolveDir: path.dirname(OUTFILE), pluginData: args.pluginData }));
  },
};

/** What both bundles are built with: CommonJS for Node 20, whitespace and syntax minified (parsed by every command), no comments kept. */
const ESBUILD_OPTIONS = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifyWhitespace: true, minifySyntax: true, legalComments: 'none', logLevel: 'warning' };

/** `digest`: schemaDigest() of the schemas bundled (lib/spec/schemas.ts), defined in build/cli.js. */
async function bundle(digest) {
  const esbuild = require('esbuild');
  const r = await esbuild.build({
    entryPoints: [path.join(BUILD, 'lib', 'cli', 'main.js')],
    outfile: OUTFILE,
    ...ESBUILD_OPTIONS,
    plugins: [lazyPlugin],
    define: { CDK8S_CANARY_SCHEMA_DIGEST: JSON.stringify(digest) },
    metafile: true,
  });
  if (process.env.BUNDLE_META) console.log(await esbuild.analyzeMetafile(r.metafile));
  stampBuildId(OUTFILE);
  const runtime = await bundleRuntime(esbuild);
  return [...Object.keys(r.metafile.inputs), ...Object.keys(runtime.metafile.inputs)];
}

/**
 * build/cli-runtime.js: one getter per module id build/cli.js asks for (runtimeIds), each requiring
 * its module on first access; esbuild bundles every module once and initializes it when first
 * required, so a command loads only the bindings it uses.
 */
async function bundleRuntime(esbuild) {
  const ids = [...runtimeIds].sort();
  const entry = ids.map((id) => {
    const target = id.startsWith('./') ? path.join(BUILD, id) : id;
    return `Object.defineProperty(exports, ${JSON.stringify(id)}, { enumerable: true, get: () => require(${JSON.stringify(target)}) });`;
  }).join('\n');
  const r = await esbuild.build({
    stdin: { contents: `'use strict';\n${entry}\n`, resolveDir: ROOT, sourcefile: 'cli-runtime-entry.js', loader: 'js' },
    outfile: RUNTIME_FILE,
    ...ESBUILD_OPTIONS,
    metafile: true,
  });
  stampBuildId(RUNTIME_FILE);
  return r;
}

/** Ends a bundle with `//# build <sha1 of the rest>`: the build id the launcher names its V8 code cache after (bin/cdk8s-canary.js). */
function stampBuildId(file) {
  const code = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, `${code}//# build ${require('crypto').createHash('sha1').update(code).digest('hex')}\n`);
}

/**
 * Runs the CLI before the first real command, so the launcher's V8 code cache exists (Node < 22):
 * `--help`, then `new`, `validate NAME` and `status NAME` in a one-release project in a temporary
 * folder, each extending the cache with the functions it compiled (CDK8S_CANARY_CODE_CACHE=extend;
 * bin/cdk8s-canary.js): the commands that never synthesize then start with their code compiled
 * (~15 ms of CPU less for `status NAME` than a cache of `--help` alone). A warm-up that fails only
 * leaves the cache to the first commands.
 */
function warmCodeCache() {
  fs.rmSync(path.join(BUILD, '.cache'), { recursive: true, force: true });
  const run = (args, env = {}) => require('child_process').execFileSync(process.execPath, [path.join(ROOT, 'bin', 'cdk8s-canary.js'), ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
  run(['--help']);
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'cdk8s-canary-warm-'));
  try {
    fs.mkdirSync(path.join(dir, 'releases'));
    const extend = { CDK8S_CANARY_CODE_CACHE: 'extend' };
    for (const args of [['new', 'shop', '--router', 'nginx'], ['validate', 'shop'], ['status', 'shop']]) run(['-C', dir, ...args], extend);
  } catch { /* the first commands write the cache */ } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What this step made build/ from is recorded in build/.bundle-inputs.json: the files it read
 * (every file of build/lib/ and build/imports/, the node_modules files esbuild bundled, this
 * script, the ajv and esbuild versions, Node's) and what it wrote, by content. When they are all
 * as recorded, the step is skipped: `npm run build` after a no-op `tsc` (every jest run's
 * global setup, `npm run synth`, `npx cdk8s synth`) does not bundle again (~2.3 s of CPU).
 * CDK8S_CANARY_REBUNDLE=1 bundles anyway.
 */
const STAMP = path.join(BUILD, '.bundle-inputs.json');
const OUTPUTS = [OUTFILE, RUNTIME_FILE, path.join(BUILD, 'lib', 'spec', 'compiled-validators.js')];

function filesUnder(dir) {
  let out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(filesUnder(p));
    else if (e.isFile() && !OUTPUTS.includes(p)) out.push(p);
  }
  return out;
}

/** Content digest of the step's inputs and outputs (paths relative to the repository); undefined when one is missing. */
function fingerprint(inputs) {
  const h = require('crypto').createHash('sha1');
  h.update(`${process.version}\0${require('esbuild/package.json').version}\0${require('ajv/package.json').version}\0`);
  try {
    for (const f of [...new Set([path.relative(ROOT, __filename), ...inputs, ...OUTPUTS.map((o) => path.relative(ROOT, o))])].sort()) h.update(`${f}\0`).update(fs.readFileSync(path.join(ROOT, f))).update('\0');
  } catch {
    return undefined;
  }
  return h.digest('hex');
}

/** The files build/ is made from, by this step: build/lib and build/imports (tsc's output), and what esbuild read from node_modules. */
function inputsOf(esbuildInputs) {
  const own = [path.join(BUILD, 'lib'), path.join(BUILD, 'imports')].filter((d) => fs.existsSync(d)).flatMap(filesUnder).map((f) => path.relative(ROOT, f));
  // esbuild's keys: paths relative to the working directory, `namespace:path` for a plugin's modules
  const bundled = esbuildInputs.map((k) => k.replace(/^[a-z-]+:/, '')).map((k) => path.relative(ROOT, path.resolve(k))).filter((k) => k.startsWith(`node_modules${path.sep}`) && fs.existsSync(path.join(ROOT, k)));
  return [...new Set([...own, ...bundled])].sort();
}

function upToDate() {
  if (process.env.CDK8S_CANARY_REBUNDLE) return false;
  let stamp;
  try { stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8')); } catch { return false; }
  // a file added to build/lib or build/imports since is an input the record does not list
  const now = inputsOf([]);
  if (now.some((f) => !stamp.inputs.includes(f))) return false;
  return fingerprint(stamp.inputs) === stamp.digest;
}

async function main() {
  if (upToDate()) return;
  fs.rmSync(STAMP, { force: true });
  const esbuildInputs = await bundle(compileValidators());
  warmCodeCache();
  const inputs = inputsOf(esbuildInputs);
  fs.writeFileSync(STAMP, `${JSON.stringify({ digest: fingerprint(inputs), inputs }, null, 1)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
