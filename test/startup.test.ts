/**
 * Start-up of the compiled CLI (build/cli.js through bin/cdk8s-canary.js): what a command loads, not
 * how long it takes (timings belong to `npm run bench`). `status NAME`, `validate NAME` and `--help`
 * must not load cdk8s, cdk8s-plus-27, constructs or the generated bindings, nor spawn git when
 * nothing asks for it; a command that synthesizes does load them (so the check can fail).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTree } from '../lib/manifests/files';
import { schemaDigest, schemaIdentity } from '../lib/spec/schemas';
import { BIN, GIT_ENV, tempRepo } from './support/cli-repo';
import { REPO } from './support/project';
import { specText } from './support/specs';

/** Runs the CLI with a preload that writes, at exit, the files it loaded and the built-ins it used. */
function loadedBy(root: string, args: readonly string[]): { code: number | null; files: string[]; builtins: string[]; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-startup-'));
  try {
    const hook = path.join(dir, 'hook.js');
    const report = path.join(dir, 'loaded.json');
    fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n`);
    const r = spawnSync(process.execPath, ['--require', hook, BIN, '-C', root, ...args], { encoding: 'utf8', env: GIT_ENV });
    const { files, builtins } = JSON.parse(fs.readFileSync(report, 'utf8')) as { files: string[]; builtins: string[] };
    return { code: r.status, files, builtins, out: r.stdout + r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** cdk8s, cdk8s-plus-27, constructs and the generated bindings: from node_modules and build/imports, or in the runtime bundle (build/cli-runtime.js, scripts/bundle.js). */
const HEAVY = /[/\\]node_modules[/\\](cdk8s|cdk8s-plus-27|constructs)[/\\]|[/\\]build[/\\]imports[/\\]|[/\\]build[/\\]cli-runtime\.js$/;

describe('start-up: only commands that synthesize load cdk8s', () => {
  const repo = tempRepo({ 'releases/shop.yaml': specText('shop', 'canary:\n  version: 1.1.0\n  weight: 10\nsteps: [0, 10, 50, 100]\n'), 'releases/blog.yaml': specText('blog', '') });
  afterAll(() => repo.cleanup());

  test.each([
    ['--help', ['--help']],
    ['status NAME', ['status', 'shop']],
    ['validate NAME', ['validate', 'shop']],
  ])('%s loads neither cdk8s nor the generated bindings, and runs no git', (_, args) => {
    const r = loadedBy(repo.root, args);
    expect(r.code).toBe(0);
    expect(r.files.filter((f) => HEAVY.test(f))).toEqual([]);
    // the bundle is one file: a few hundred modules are not resolved one by one
    expect(r.files.filter((f) => f.startsWith(path.join(REPO, 'build', 'lib')) && !f.endsWith('compiled-validators.js'))).toEqual([]);
    expect(r.builtins).not.toContain('NativeModule child_process');
  });

  test('validate NAME of every reference release (every router and workload) loads none of them', () => {
    const ref = tempRepo(Object.fromEntries(fs.readdirSync(path.join(REPO, 'releases')).map((f) => [`releases/${f}`, fs.readFileSync(path.join(REPO, 'releases', f), 'utf8')])));
    fs.cpSync(path.join(REPO, 'test/fixtures'), path.join(ref.root, 'test/fixtures'), { recursive: true }); // manifests folders the releases name
    try {
      for (const f of fs.readdirSync(path.join(ref.root, 'releases'))) {
        const r = loadedBy(ref.root, ['validate', f.replace(/\.ya?ml$/, '')]);
        expect([f, r.code, r.files.filter((x) => HEAVY.test(x))]).toEqual([f, 0, []]);
      }
    } finally {
      ref.cleanup();
    }
  });

  test('synth loads them (the check above can fail), through the runtime bundle and not from node_modules', () => {
    const r = loadedBy(repo.root, ['synth']);
    expect(r.code).toBe(0);
    expect(r.files).toContain(path.join(REPO, 'build', 'cli-runtime.js'));
    expect(r.files.filter((f) => HEAVY.test(f) && !f.endsWith('cli-runtime.js'))).toEqual([]);
  });

  test('validate NAME still finds what is wrong in that spec, positioned', () => {
    repo.write('releases/blog.yaml', specText('blog', '').replace('version: 1.0.0', 'version: 1.0.!'));
    const r = loadedBy(repo.root, ['validate', 'blog']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/releases\/blog\.yaml:\d+:\d+: stable\.version: .*\(got "1\.0\.!"\)/);
    expect(loadedBy(repo.root, ['validate', 'shop']).code).toBe(0);
  });
});

describe('the precompiled spec validators (scripts/bundle.js)', () => {
  test('carry the identity of these schemas, and build/cli.js the digest they were made with (so the CLI uses them, not a fresh compile)', () => {
    // GIVEN the build global-setup made from these sources
    const compiled = require(path.join(REPO, 'build', 'lib', 'spec', 'compiled-validators.js')) as Record<string, unknown>;
    // THEN their recorded identity is the one the sources compute, and the bundle holds its digest as a constant
    expect(compiled.__schemaIdentity).toBe(schemaIdentity());
    expect(schemaIdentity()).toBe(`ajv@${(require('ajv/package.json') as { version: string }).version}-${schemaDigest()}`);
    expect(fs.readFileSync(path.join(REPO, 'build', 'cli.js'), 'utf8')).toContain(JSON.stringify(schemaDigest()));
    expect(typeof compiled['release.schema.json']).toBe('function');
  });
});

describe('the V8 code cache of the launcher (Node without module.enableCompileCache)', () => {
  const hasNodeCache = typeof (require('module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';
  // these cases replace and remove cache files: they run a private copy of the launcher and build/
  // (node_modules linked), so the suites running beside them keep the build's own cache as it is
  let launcherDir = '';
  const bin = () => path.join(launcherDir, 'bin', 'cdk8s-canary.js');
  const cacheDirOf = () => path.join(launcherDir, 'build', '.cache');
  beforeAll(() => {
    launcherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-launcher-'));
    fs.cpSync(path.join(REPO, 'bin'), path.join(launcherDir, 'bin'), { recursive: true });
    fs.cpSync(path.join(REPO, 'build'), path.join(launcherDir, 'build'), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(launcherDir, 'node_modules'));
  });
  afterAll(() => fs.rmSync(launcherDir, { recursive: true, force: true }));
  (hasNodeCache ? test.skip : test)('a command that synthesizes writes the cache of the runtime bundle (cdk8s and the bindings), which the next one reads', () => {
    // GIVEN no cache of build/cli-runtime.js
    const cacheDir = cacheDirOf();
    const runtimeCaches = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => /^cli-runtime-[0-9a-f]{40}-.*\.v8$/.test(f)) : []);
    for (const f of runtimeCaches()) fs.rmSync(path.join(cacheDir, f), { force: true });
    const repo = tempRepo({ 'releases/shop.yaml': specText('shop', '') });
    try {
      // WHEN synth runs twice
      const synth = () => spawnSync(process.execPath, [bin(), '-C', repo.root, 'synth'], { encoding: 'utf8', env: GIT_ENV });
      expect(synth().status).toBe(0);
      // THEN the first wrote the cache, and the second (same bundle) kept it and gives the same dist/
      const [cache] = runtimeCaches();
      expect(cache).toBeDefined();
      const written = fs.readFileSync(path.join(cacheDir, cache));
      const first = readTree(path.join(repo.root, 'dist'));
      expect(synth().status).toBe(0);
      expect(fs.readFileSync(path.join(cacheDir, cache)).equals(written)).toBe(true);
      expect(readTree(path.join(repo.root, 'dist'))).toEqual(first);
      expect(first.size).toBeGreaterThan(3);
    } finally {
      repo.cleanup();
    }
  });

  (hasNodeCache ? test.skip : test)('a cache V8 refuses (corrupt) is ignored and written again', () => {
    // GIVEN the cache folder of the build, with every cache file replaced by garbage
    const cacheDir = cacheDirOf();
    const run = () => spawnSync(process.execPath, [bin(), '--help'], { encoding: 'utf8', env: GIT_ENV });
    expect(run().status).toBe(0);
    const caches = fs.readdirSync(cacheDir).filter((f) => /^cli-[0-9a-f]{40}-.*\.v8$/.test(f));
    expect(caches.length).toBe(1);
    const file = path.join(cacheDir, caches[0]);
    fs.writeFileSync(`${file}.garbage`, Buffer.alloc(4096, 7));
    fs.renameSync(`${file}.garbage`, file);
    // WHEN the CLI runs THEN it works, and the cache is a real one again
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: cdk8s-canary');
    expect(fs.readFileSync(file).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  (hasNodeCache ? test.skip : test)('a command keeps the cache it found; with CDK8S_CANARY_CODE_CACHE=extend (the build\'s warm-up) it writes it again with what it compiled too', () => {
    // GIVEN the cache of build/cli.js
    const cacheDir = cacheDirOf();
    const cacheOf = () => fs.readdirSync(cacheDir).filter((f) => /^cli-[0-9a-f]{40}-.*\.v8$/.test(f)).map((f) => path.join(cacheDir, f));
    const repo = tempRepo({ 'releases/shop.yaml': specText('shop', '') });
    try {
      const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [bin(), '-C', repo.root, 'status', 'shop'], { encoding: 'utf8', env: { ...GIT_ENV, ...env } });
      expect(run({}).status).toBe(0);
      const [file] = cacheOf();
      const kept = fs.statSync(file).mtimeMs;
      // WHEN a command runs as usual THEN the cache file is not written
      expect(run({}).status).toBe(0);
      expect(fs.statSync(file).mtimeMs).toBe(kept);
      // WHEN it runs with extend THEN the cache is written again, still one file, still accepted
      expect(run({ CDK8S_CANARY_CODE_CACHE: 'extend' }).status).toBe(0);
      expect(cacheOf()).toEqual([file]);
      expect(fs.statSync(file).mtimeMs).toBeGreaterThan(kept);
      expect(run({}).stdout).toContain('shop (');
    } finally {
      repo.cleanup();
    }
  });

  (hasNodeCache ? test.skip : test)('validate NAME writes the cache of the precompiled validators, which the next one reads, with the same verdicts', () => {
    // GIVEN no cache of build/lib/spec/compiled-validators.js
    const cacheDir = cacheDirOf();
    const validatorCaches = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => /^compiled-validators-[0-9a-f]{40}-.*\.v8$/.test(f)) : []);
    for (const f of validatorCaches()) fs.rmSync(path.join(cacheDir, f), { force: true });
    const repo = tempRepo({ 'releases/shop.yaml': specText('shop', ''), 'releases/blog.yaml': specText('blog', '').replace('version: 1.0.0', 'version: 1.0.!') });
    try {
      // WHEN validate NAME runs twice, on a good spec and on a bad one
      const validate = (name: string) => spawnSync(process.execPath, [bin(), '-C', repo.root, 'validate', name], { encoding: 'utf8', env: GIT_ENV });
      expect(validate('shop').status).toBe(0);
      // THEN the first wrote the cache; the second kept it and still finds the fault, positioned
      const [cache] = validatorCaches();
      expect(cache).toBeDefined();
      const written = fs.readFileSync(path.join(cacheDir, cache));
      const bad = validate('blog');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/releases\/blog\.yaml:\d+:\d+: stable\.version: .*\(got "1\.0\.!"\)/);
      expect(fs.readFileSync(path.join(cacheDir, cache)).equals(written)).toBe(true);
    } finally {
      repo.cleanup();
    }
  });
});
