// Tests that run the compiled CLI (bin/cdk8s-canary.js) need build/ to match the sources:
// an incremental build is a no-op when nothing changed.
const { execFileSync } = require('child_process');
const path = require('path');
module.exports = async () => {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
};
