import { randomBytes } from 'node:crypto';
import { databaseUrlFromSecret } from '../../src';
import { rdsSecretJson } from '../../src/testing';

const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bmx/test/db-AbC123';

describe('rdsSecretJson (test support)', () => {
  it('writes the RDS shape for a role on the database at a URL, which the secret reader turns back into that database', () => {
    const password = randomBytes(12).toString('base64url');
    const text = rdsSecretJson('postgres://postgres@127.0.0.1:6543/bmx_test_abc', { username: 'bmx_role', password });
    expect(JSON.parse(text)).toEqual({ engine: 'postgres', host: '127.0.0.1', port: 6543, username: 'bmx_role', password, dbname: 'bmx_test_abc' });
    expect(databaseUrlFromSecret(ARN, JSON.parse(text))).toBe(`postgres://bmx_role:${encodeURIComponent(password)}@127.0.0.1:6543/bmx_test_abc`);
  });

  it('names the default PostgreSQL port when the URL has none', () => {
    expect(JSON.parse(rdsSecretJson('postgres://db.internal/app', { username: 'u', password: 'p' }))).toMatchObject({ host: 'db.internal', port: 5432, dbname: 'app' });
  });
});
