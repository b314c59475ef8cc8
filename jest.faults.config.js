// Fault-injection tests (`npm run test:faults`, docs in README "Operations → fault tests"): real server processes
// from the build on an embedded PostgreSQL each suite starts, stops and restarts itself. One suite at a time, so
// the timing bounds they assert are not measured against each other's load; `npm test` does not run them.
const transform = { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.spec.json', diagnostics: false }] };

module.exports = {
  rootDir: '.',
  testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  maxWorkers: 1,
  testTimeout: 120_000,
};
