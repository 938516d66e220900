// The cdk8s app: synthesizes every release in releases/ into dist/. `npm run synth` runs it as
// `node build/main.js`; `npx cdk8s synth` runs cdk8s.yaml's `app:`, `node build/main.js --cdk8s-cli`,
// and only then is $CDK8S_OUTDIR (the folder the cdk8s CLI chose) the output: a CDK8S_OUTDIR left
// in a shell for another cdk8s app never moves this project's dist/. `npx cdk8s-canary synth`
// does the same as `npm run synth` through the CLI.
import { favourSmallHeap } from './lib/cli/commands/synth';
import { run } from './lib/cli/main';

// As the CLI's synth (which sets them again): a heap that follows what is live (scripts/bench.js).
favourSmallHeap();

const out = process.argv.includes('--cdk8s-cli') ? process.env.CDK8S_OUTDIR : undefined;
void run([process.argv[0], process.argv[1], 'synth', ...(out ? ['--output', out] : [])]).then((code) => {
  process.exitCode = code;
});
