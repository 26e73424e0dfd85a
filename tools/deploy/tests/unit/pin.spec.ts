import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { awsClientsSourceHash, PIN_FIELD, pinAwsClients, pinnedCopyPath, resolveAwsClientsPin } from '../../src';

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

  it('writes a readable copy that records the source it was built from', async () => {
    writePin();
    const text = readFileSync(await pinAwsClients(appDir), 'utf8');
    expect(text.split('\n')[1]).toBe(`// source sha256: ${awsClientsSourceHash()}`);
    // Not minified: a pin move is a diff a reviewer can read, one statement per line.
    expect(text.split('\n').length).toBeGreaterThan(200);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThan(400);
  });

  it('fails the build when the version is the same but the source differs from the pinned copy', async () => {
    writePin();
    const copy = await pinAwsClients(appDir);
    const text = readFileSync(copy, 'utf8');
    writeFileSync(copy, text.replace(/^\/\/ source sha256: [0-9a-f]{64}$/m, `// source sha256: ${'0'.repeat(64)}`));
    expect(() => resolveAwsClientsPin(appDir)).toThrow(new RegExp(`still ${libVersion.replace(/\./g, '\\.')} but its source differs.*${'0'.repeat(64)} in the copy.*To move the pin`));
    writeFileSync(copy, text.replace(/^\/\/ source sha256: .*\n/m, ''));
    expect(() => resolveAwsClientsPin(appDir)).toThrow(/not recorded in the copy/);
  });

  it('hashes every source file, path and content', () => {
    const lib = mkdtempSync(path.join(appDir, 'lib-'));
    mkdirSync(path.join(lib, 'src/lib'), { recursive: true });
    writeFileSync(path.join(lib, 'src/index.ts'), "export * from './lib/a';\n");
    writeFileSync(path.join(lib, 'src/lib/a.ts'), 'export const a = 1;\n');
    const before = awsClientsSourceHash(lib);
    expect(awsClientsSourceHash(lib)).toBe(before);
    writeFileSync(path.join(lib, 'src/lib/a.ts'), 'export const a = 2;\n');
    const edited = awsClientsSourceHash(lib);
    expect(edited).not.toBe(before);
    rmSync(path.join(lib, 'src/lib/a.ts'));
    writeFileSync(path.join(lib, 'src/lib/b.ts'), 'export const a = 2;\n');
    expect(awsClientsSourceHash(lib)).not.toBe(edited);
  });
});
