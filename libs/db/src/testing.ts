// @bmx/db/testing: test support (a database per test file on the test server, statements as its admin, RDS-shaped
// secrets, a Kysely on no database for unit tests). A subpath of its own so the main entry, which the Lambdas bundle,
// carries no test code.
export { createTestDatabase, rdsSecretJson, runAsServerAdmin, testServerUrl, type TestDatabase } from './lib/testing';
export { fakeDatabase, type Answer, type Statement } from './lib/fake-database';
