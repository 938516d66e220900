// Runs once before the suites.
// 1. Tests that run the compiled CLI (bin/cdk8s-canary.js) need build/ to match the sources: an
//    incremental build is a no-op when nothing changed (tsc compares contents, not times), and so is
//    the bundle step after it (build/cli.js, scripts/bundle.js) when what it bundles is unchanged.
// 2. Every temporary folder of the run (tests, the CLI processes they start, git) goes under one
//    run folder (in /dev/shm when it has room and TMPDIR is not set: tempBase): TMPDIR is set here,
//    before jest starts its workers, so os.tmpdir() and child processes inherit it;
//    global-teardown.js removes the folder whether the tests passed or failed, and a run killed
//    before its teardown has its folder swept by the next run.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PREFIX = 'cdk8s-canary-jest-';

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/** Free space /dev/shm must have to hold a run's folders (repositories, git objects, Prometheus' data). */
const SHM_NEEDED = 4 * 1024 ** 3;

/**
 * Where the run's folder goes: TMPDIR when the user set it; else /dev/shm when it is a writable
 * tmpfs with room (a container's default 64 MB is not), else the system's temporary folder. On a
 * disk file system every file the tests make and remove is journaled (and, mounted with `discard`,
 * trimmed on removal): in memory a suite spends ~5% less CPU in the kernel and ~10% less wall time.
 */
function tempBase() {
  if (process.env.TMPDIR) return os.tmpdir();
  try {
    const s = fs.statfsSync('/dev/shm');
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    if (s.type === 0x01021994 && s.bavail * s.bsize >= SHM_NEEDED) return '/dev/shm'; // TMPFS_MAGIC
  } catch { /* no /dev/shm */ }
  return os.tmpdir();
}

module.exports = async () => {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(root, 'scripts', 'bundle.js')], { cwd: root, stdio: 'inherit' });
  const base = tempBase();
  for (const e of fs.readdirSync(base)) {
    const m = e.startsWith(PREFIX) && /^(\d+)-/.exec(e.slice(PREFIX.length));
    if (!m || alive(Number(m[1]))) continue;
    // another jest starting now may be removing the same dead run's folder: ENOTEMPTY/ENOENT then is theirs to finish
    try { fs.rmSync(path.join(base, e), { recursive: true, force: true }); } catch { /* left to the other run */ }
  }
  const run = fs.mkdtempSync(path.join(base, `${PREFIX}${process.pid}-`));
  process.env.CDK8S_CANARY_TEST_TMP = run;
  process.env.TMPDIR = run;
};
