// The cdk8s app: synthesizes every release in releases/ into dist/ (or $CDK8S_OUTDIR when run by
// `cdk8s synth`). `npm run synth` and `npx cdk8s-canary synth` do the same through the CLI.
import { setFlagsFromString } from 'v8';
import { run } from './lib/cli/main';

// As bin/cdk8s-canary.js: favour a small heap in this short batch process (scripts/bench.js).
setFlagsFromString('--optimize-for-size');

const out = process.env.CDK8S_OUTDIR;
void run([process.argv[0], process.argv[1], 'synth', ...(out ? ['--output', out] : [])]).then((code) => {
  process.exitCode = code;
});
