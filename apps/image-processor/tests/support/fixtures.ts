import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const DIR = path.resolve(__dirname, '../fixtures');

/** A fixture photo's bytes and its mask (1 = book) as written by bench/make-fixtures.ts. */
export async function loadFixture(name: string): Promise<{ photo: Buffer; mask: Uint8Array; width: number; height: number }> {
  const photo = readFileSync(path.join(DIR, `${name}.jpg`));
  const { data, info } = await sharp(readFileSync(path.join(DIR, `${name}.mask.png`)))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { photo, mask: Uint8Array.from(data, (v) => (v > 127 ? 1 : 0)), width: info.width, height: info.height };
}
