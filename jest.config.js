// Three tiers in one run: pure unit specs next to their source, HTTP e2e specs against a real PostgreSQL
// (embedded unless DATABASE_URL is set; see test/setup), and plain-JS specs of the benchmark harness (bench/).
// Some dependencies (jose, openid-client, oauth4webapi, content-disposition, and otplib's @scure/base and @noble/hashes) ship only ES modules, so they are transpiled too.
const transform = { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.spec.json', diagnostics: false }] };
const common = {
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|openid-client|oauth4webapi|content-disposition|@scure/base|@noble/hashes|oidc-provider)/)',
  ],
};

module.exports = {
  maxWorkers: 2,
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'bench', rootDir: '.', testMatch: ['<rootDir>/bench/**/*.spec.js'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
