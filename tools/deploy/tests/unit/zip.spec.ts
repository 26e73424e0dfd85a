import AdmZip from 'adm-zip';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { zipDirectory, zipFiles } from '../../src';

const ZIP_MODULE = path.join(__dirname, '../../src/zip.ts');

describe('zips', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'zip-'));
    mkdirSync(path.join(dir, 'node_modules/pkg'), { recursive: true });
    writeFileSync(path.join(dir, 'index.js'), 'exports.handler = 1;');
    writeFileSync(path.join(dir, 'node_modules/pkg/addon.node'), Buffer.from([1, 2, 3]));
    chmodSync(path.join(dir, 'node_modules/pkg/addon.node'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('packs a directory with its nested files and modes', () => {
    const zip = new AdmZip(zipDirectory(dir));
    expect(zip.getEntries().map((e) => e.entryName)).toEqual(['index.js', 'node_modules/pkg/addon.node']);
    expect(zip.readAsText('index.js')).toBe('exports.handler = 1;');
    // Unix permissions live in the high 16 bits of the external attributes.
    expect((zip.getEntry('node_modules/pkg/addon.node')!.attr >>> 16) & 0o777).toBe(0o755);
  });

  it('makes the same bytes from the same files, whatever their timestamps', () => {
    const first = zipDirectory(dir);
    utimesSync(path.join(dir, 'index.js'), new Date(2030, 1, 1), new Date(2030, 1, 1));
    expect(zipDirectory(dir).equals(first)).toBe(true);
    expect(zipFiles({ 'b.js': 'b', 'a.js': 'a' }).equals(zipFiles({ 'a.js': 'a', 'b.js': 'b' }))).toBe(true);
  });

  it('makes the same bytes in every time zone (a deploy from another machine finds the same CodeSha256)', () => {
    // Each zip is made in a process of its own: the time zone is read when a process starts.
    const zipIn = (tz: string) =>
      execFileSync(
        process.execPath,
        ['--import', 'tsx', '--eval', `process.stdout.write(require(${JSON.stringify(ZIP_MODULE)}).zipDirectory(${JSON.stringify(dir)}).toString('base64'))`],
        { env: { ...process.env, TZ: tz, NODE_OPTIONS: '' }, encoding: 'utf8' },
      );
    const utc = zipIn('UTC');
    expect(zipIn('America/New_York')).toBe(utc);
    expect(zipIn('Asia/Tokyo')).toBe(utc);
    expect(new AdmZip(Buffer.from(utc, 'base64')).getEntry('index.js')!.header.time.getFullYear()).toBe(2000);
  });
});
