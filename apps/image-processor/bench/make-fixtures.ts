// Writes tests/fixtures/<name>.jpg (the "photo") and <name>.mask.png (white = book) for every fixture.
// Run: npx tsx --conditions=@bmx/source apps/image-processor/bench/make-fixtures.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { syntheticBookPhoto, toJpeg } from '../tests/support/synthetic';
import { FIXTURES } from './fixtures';

async function main(): Promise<void> {
  const dir = path.resolve(__dirname, '../tests/fixtures');
  mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const fixture of FIXTURES) {
    const photo = syntheticBookPhoto(fixture.options);
    const jpeg = await toJpeg(photo);
    const mask = await sharp(Buffer.from(photo.mask.map((v) => v * 255)), { raw: { width: photo.width, height: photo.height, channels: 1 } })
      .png({ compressionLevel: 9, palette: true, colours: 2 })
      .toBuffer();
    writeFileSync(path.join(dir, `${fixture.name}.jpg`), jpeg);
    writeFileSync(path.join(dir, `${fixture.name}.mask.png`), mask);
    total += jpeg.length + mask.length;
    console.log(`${fixture.name}: ${jpeg.length} + ${mask.length} bytes`);
  }
  console.log(`total ${(total / 1024).toFixed(1)} KiB in ${dir}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
