import AdmZip from 'adm-zip';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Every entry gets this timestamp, so the same files always make the same zip (and the same CodeSha256). Zip
 * timestamps are local wall-clock fields and adm-zip fills them from the Date's local time, so the Date is made in
 * local time: 2000-01-01 00:00 on every machine. (A fixed UTC instant gave different bytes in every time zone.)
 */
const FIXED_TIME = new Date(2000, 0, 1);

function add(zip: AdmZip, name: string, content: Buffer, mode = 0o644): void {
  zip.addFile(name, content, '', mode & 0o777);
  const entry = zip.getEntry(name);
  if (entry) entry.header.time = FIXED_TIME;
}

/** Zips in-memory files (path → content) into a deployment package; byte-identical for identical input. */
export function zipFiles(files: Record<string, string | Buffer>): Buffer {
  const zip = new AdmZip();
  for (const name of Object.keys(files).sort()) {
    const content = files[name] as string | Buffer;
    add(zip, name, Buffer.isBuffer(content) ? content : Buffer.from(content));
  }
  return zip.toBuffer();
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return listFiles(path.join(dir, entry.name), relative);
      return entry.isFile() || entry.isSymbolicLink() ? [relative] : [];
    });
}

/** Zips a directory's contents (not the directory itself), keeping file modes; byte-identical for identical files. */
export function zipDirectory(dir: string): Buffer {
  const zip = new AdmZip();
  for (const file of listFiles(dir)) {
    const full = path.join(dir, file);
    add(zip, file, readFileSync(full), statSync(full).mode);
  }
  return zip.toBuffer();
}
