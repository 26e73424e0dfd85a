import AdmZip from 'adm-zip';

/** Zips in-memory files (path → content) into a deployment package. */
export function zipFiles(files: Record<string, string | Buffer>): Buffer {
  const zip = new AdmZip();
  for (const [name, content] of Object.entries(files)) zip.addFile(name, Buffer.isBuffer(content) ? content : Buffer.from(content));
  return zip.toBuffer();
}

/** Zips a directory's contents (not the directory itself) into a deployment package. */
export function zipDirectory(dir: string): Buffer {
  const zip = new AdmZip();
  zip.addLocalFolder(dir);
  return zip.toBuffer();
}
