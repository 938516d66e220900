/** Type-checking runs once in `npm run typecheck`; jest transpiles each file on its own (fast). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }] },
  testTimeout: 60000,
  // One worker per CPU (jest's default is one fewer: a single worker, running every suite in turn, on
  // a 2-CPU machine). Most suites wait on the processes they start (the CLI, git, kustomize), so two
  // workers keep both CPUs busy.
  maxWorkers: '100%',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
};
