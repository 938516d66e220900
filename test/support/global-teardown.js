// Removes the run's temporary folder (see global-setup.js), also after failed tests.
const fs = require('fs');
module.exports = async () => {
  const run = process.env.CDK8S_CANARY_TEST_TMP;
  if (run && fs.existsSync(run)) fs.rmSync(run, { recursive: true, force: true });
};
