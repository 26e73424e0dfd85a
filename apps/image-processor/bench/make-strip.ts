// Writes docs/before-after.png for the README: every real photo in tests/fixtures/photos (top row) above what
// removeBackground makes of it (bottom row), each scaled to the same height.
// Run: node --conditions=@bmx/source --import tsx apps/image-processor/bench/make-strip.ts
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { removeBackground } from '../src/background/remove-background';
import { realPhotos } from '../tests/support/photos';

const TILE = 180;
const GAP = 8;

async function main(): Promise<void> {
  const columns: Array<{ before: Buffer; after: Buffer; width: number }> = [];
  for (const photo of realPhotos()) {
    const before = await sharp(photo.bytes).rotate().resize({ height: TILE }).png().toBuffer();
    const width = (await sharp(before).metadata()).width ?? TILE;
    let after: Buffer;
    try {
      const result = await removeBackground(photo.bytes);
      after = await sharp(result.png).resize({ width, height: TILE, fit: 'contain', background: '#808080' }).png().toBuffer();
    } catch {
      after = await sharp({
        create: { width, height: TILE, channels: 3, background: '#c04040' },
      })
        .png()
        .toBuffer();
    }
    columns.push({ before, after, width });
  }
  const total = columns.reduce((sum, c) => sum + c.width + GAP, GAP);
  const composites: sharp.OverlayOptions[] = [];
  let left = GAP;
  for (const column of columns) {
    composites.push({ input: column.before, left, top: GAP }, { input: column.after, left, top: 2 * GAP + TILE });
    left += column.width + GAP;
  }
  const file = path.resolve(__dirname, '../docs/before-after.png');
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp({
    create: {
      width: total,
      height: 3 * GAP + 2 * TILE,
      channels: 3,
      background: '#808080',
    },
  })
    .composite(composites)
    .png({ palette: true, colours: 256, compressionLevel: 9 })
    .toFile(file);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
