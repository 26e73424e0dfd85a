// What a function's environment is at deploy time: passEnv, optionalPassEnv and the passEnvOneOf alternatives.
import path from 'node:path';
import { functionEnvironment, loadDeployConfig, type FunctionSpec } from '../../src';
import { sampleConfigWith } from '../support/sample-app';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bmx/prod/db-AbC123';
const fn: FunctionSpec = {
  id: 'worker',
  name: 'bmx-test-worker',
  entry: 'src/handler.ts',
  budgetKiB: 64,
  environment: { FIXED: 'yes' },
  passEnv: ['REQUIRED'],
  optionalPassEnv: ['OPTIONAL'],
  passEnvOneOf: [['DATABASE_URL', 'DATABASE_SECRET_ARN']],
};

describe('functionEnvironment', () => {
  it('copies whichever alternative is set, or both', () => {
    expect(functionEnvironment(fn, { REQUIRED: 'r', DATABASE_SECRET_ARN: ARN })).toEqual({ FIXED: 'yes', REQUIRED: 'r', DATABASE_SECRET_ARN: ARN });
    expect(functionEnvironment(fn, { REQUIRED: 'r', DATABASE_URL: 'postgres://db/x', OPTIONAL: 'o' })).toEqual({
      FIXED: 'yes',
      REQUIRED: 'r',
      OPTIONAL: 'o',
      DATABASE_URL: 'postgres://db/x',
    });
    expect(functionEnvironment(fn, { REQUIRED: 'r', DATABASE_URL: 'postgres://db/x', DATABASE_SECRET_ARN: ARN })).toMatchObject({
      DATABASE_URL: 'postgres://db/x',
      DATABASE_SECRET_ARN: ARN,
    });
  });

  it('fails naming every alternative when none is set (an empty value does not count)', () => {
    expect(() => functionEnvironment(fn, { REQUIRED: 'r' })).toThrow("bmx-test-worker: set one of DATABASE_URL, DATABASE_SECRET_ARN in the deployer's environment");
    expect(() => functionEnvironment(fn, { REQUIRED: 'r', DATABASE_URL: ' ' })).toThrow('set one of DATABASE_URL, DATABASE_SECRET_ARN');
  });

  it("accepts an alternative given in the deploy's extraEnv (as npm start does)", () => {
    expect(functionEnvironment(fn, { REQUIRED: 'r' }, { DATABASE_URL: 'postgres://local/x' })).toMatchObject({ DATABASE_URL: 'postgres://local/x' });
  });

  it('still requires every passEnv variable', () => {
    expect(() => functionEnvironment(fn, { DATABASE_SECRET_ARN: ARN })).toThrow("bmx-test-worker: REQUIRED must be set in the deployer's environment");
  });
});

describe('passEnvOneOf in lambda.deploy.json', () => {
  const withGroups = (groups: unknown) => sampleConfigWith('passEnvOneOf', groups);

  it('keeps a valid list of groups', () => {
    expect(withGroups([['A', 'B'], ['C']])().functions[0]!.passEnvOneOf).toEqual([['A', 'B'], ['C']]);
  });

  it.each([
    [['A', 'B'], /functions\[0\]\.passEnvOneOf\[0\]: Expected array \(got "A"\)/],
    [[[]], /functions\[0\]\.passEnvOneOf\[0\]: Expected array length to be greater or equal to 1/],
    [[['A', 'not a name']], /functions\[0\]\.passEnvOneOf\[0\]\[1\]: must match \^\[A-Za-z_\]/],
    ['A', /functions\[0\]\.passEnvOneOf: Expected array \(got "A"\) — local deployer: groups of alternatives/],
  ])('refuses %j, saying what it should be', (groups, message) => {
    expect(withGroups(groups)).toThrow(message);
  });
});

describe("the apps' lambda.deploy.json", () => {
  const appsDir = path.resolve(__dirname, '../../../../apps');

  it.each(['api', 'image-processor', 'tracking-dispatcher'])('%s deploys with either DATABASE_URL or DATABASE_SECRET_ARN', (app) => {
    const functions = loadDeployConfig(path.join(appsDir, app), 'test').functions.filter((f) => f.passEnvOneOf);
    expect(functions.length).toBeGreaterThan(0);
    for (const spec of functions) {
      const fromSecret = functionEnvironment(spec, { DATABASE_SECRET_ARN: ARN });
      expect(fromSecret['DATABASE_SECRET_ARN']).toBe(ARN);
      expect(fromSecret).not.toHaveProperty('DATABASE_URL');
      expect(functionEnvironment(spec, { DATABASE_URL: 'postgres://db/x' })['DATABASE_URL']).toBe('postgres://db/x');
      expect(() => functionEnvironment(spec, {})).toThrow(/DATABASE_URL, DATABASE_SECRET_ARN/);
    }
  });
});
