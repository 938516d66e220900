/**
 * `npx cdk8s synth --no-check-upgrade` (the cdk8s CLI, through cdk8s.yaml's `app:`) equals
 * `npm run synth` (issue 20, item 18): it rebuilds the compiled app first (a stale build/ is not run),
 * writes the same dist/, and asks no registry for an upgrade. One spawned run in a copy of the project
 * (sources, build/ with its incremental build info, releases/), HOME pointed at an empty folder: the
 * upgrade check would leave its cache file ~/.cdk8s-cli.version there. The bundle step of the build
 * is skipped when what it bundles is unchanged, and made again when it changed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readTree } from '../lib/manifests/files';
import { cleanupTempDirs, tempDir } from './support/git-repo';
import { REPO } from './support/project';

afterAll(cleanupTempDirs);

test('GIVEN a copy of the project with an edited main.ts WHEN `cdk8s synth --no-check-upgrade` runs THEN it rebuilt first, wrote the committed dist/, and checked no upgrade', () => {
  const dir = tempDir('cdk8s-synth-');
  for (const f of ['package.json', 'cdk8s.yaml', 'cdk8s-canary.yaml', 'tsconfig.json', 'tsconfig.build.json', 'main.ts']) fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
  for (const d of ['lib', 'imports', 'releases', 'build', 'scripts', 'bin', 'test/fixtures']) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  // a change the compiled app only has after a rebuild (tsc keeps comments)
  fs.appendFileSync(path.join(dir, 'main.ts'), '// rebuilt by cdk8s synth\n');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const k of Object.keys(env)) if (k.startsWith('CDK8S_')) delete env[k];

  const bundled = fs.statSync(path.join(dir, 'build/cli.js')).mtimeMs;
  const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--no-check-upgrade'], { cwd: dir, env, encoding: 'utf8' });

  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Synthesizing application\n( {2}- dist\/\S+\n)+/); // cdk8s-cli lists the files
  expect(r.stdout).toContain('  - dist/argocd/application-cdk8s-canary-root.yaml\n');
  expect(fs.readFileSync(path.join(dir, 'build/main.js'), 'utf8')).toContain('// rebuilt by cdk8s synth');
  expect(fs.existsSync(path.join(home, '.cdk8s-cli.version'))).toBe(false); // the upgrade check's cache: no check ran
  expect(readTree(path.join(dir, 'dist'))).toEqual(readTree(path.join(REPO, 'dist')));
  // main.ts is not in the CLI's bundle: its inputs (build/lib, build/imports, what it bundles) are as
  // recorded, so the bundle step was skipped (scripts/bundle.js, build/.bundle-inputs.json)
  expect(fs.statSync(path.join(dir, 'build/cli.js')).mtimeMs).toBe(bundled);

  // WHEN a compiled module the CLI bundles changes THEN the bundle step makes the bundle again, with it
  fs.appendFileSync(path.join(dir, 'build/lib/version.js'), 'exports.BUNDLE_PROBE = "bundle-probe-7";\n');
  const again = spawnSync(process.execPath, [path.join(dir, 'scripts/bundle.js')], { cwd: dir, env, encoding: 'utf8' });
  expect(again.stderr).toBe('');
  expect(again.status).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'build/cli.js'), 'utf8')).toContain('bundle-probe-7');
});
