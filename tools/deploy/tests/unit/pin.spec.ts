import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PIN_FIELD, pinAwsClients, pinnedCopyPath, resolveAwsClientsPin } from '../../src';

const libVersion = (JSON.parse(readFileSync(path.join(__dirname, '../../../../libs/aws-clients/package.json'), 'utf8')) as { version: string })
  .version;

describe('the aws-clients pin', () => {
  let appDir: string;
  const writePin = (version?: string) =>
    writeFileSync(
      path.join(appDir, 'package.json'),
      JSON.stringify({ name: 'app', dependencies: { '@bmx/aws-clients': '*' }, ...(version ? { [PIN_FIELD]: { '@bmx/aws-clients': version } } : {}) }),
    );

  beforeEach(() => {
    // Inside the repo (tmp/ is ignored by git), so the pinned copy resolves the AWS SDK from node_modules.
    const scratch = path.join(__dirname, '../../../../tmp');
    mkdirSync(scratch, { recursive: true });
    appDir = mkdtempSync(path.join(scratch, 'pin-'));
  });
  afterEach(() => rmSync(appDir, { recursive: true, force: true }));

  it('follows the workspace lib when the app pins nothing', () => {
    writePin();
    expect(resolveAwsClientsPin(appDir)).toEqual({ version: libVersion });
  });

  it('fails the build when the pin and the lib disagree, saying how to move it', () => {
    writePin('0.0.1');
    expect(() => resolveAwsClientsPin(appDir)).toThrow(new RegExp(`pins @bmx/aws-clients 0.0.1 but libs/aws-clients is ${libVersion}.*To move the pin`));
  });

  it('refuses a range: a pin is an exact version', () => {
    writePin(`^${libVersion}`);
    expect(() => resolveAwsClientsPin(appDir)).toThrow(/must be an exact version/);
  });

  it('writes the pinned copy and points the app at it', async () => {
    writePin();
    const copy = await pinAwsClients(appDir);
    expect(copy).toBe(pinnedCopyPath(appDir, libVersion));
    expect(readFileSync(copy, 'utf8')).toMatch(new RegExp(`^// @bmx/aws-clients ${libVersion.replace(/\./g, '\\.')}, pinned`));
    const pkg = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
    expect(pkg[PIN_FIELD]['@bmx/aws-clients']).toBe(libVersion);
    expect(pkg.dependencies['@bmx/aws-clients']).toBe('*');
    expect(resolveAwsClientsPin(appDir)).toEqual({ version: libVersion, alias: { '@bmx/aws-clients': copy } });
    // The copy is the real library: it loads and exposes the client getters.
    const pinned = require(copy) as Record<string, unknown>;
    expect(typeof pinned['getS3Client']).toBe('function');
    expect(typeof pinned['sendJsonMessages']).toBe('function');
  });
});
