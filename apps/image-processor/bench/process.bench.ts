// Throughput and memory of the image pipeline (decode, background removal, PNG, thumbnail) on 2-megapixel photos,
// plus mask quality on the fixtures. Not a test: numbers depend on the machine.
// Run: npx tsx --conditions=@bmx/source apps/image-processor/bench/process.bench.ts [count]
import { makeThumbnail } from '@bmx/images';
import { intersectionOverUnion } from '../src/background/mask';
import { removeBackground } from '../src/background/remove-background';
import { loadFixture } from '../tests/support/fixtures';
import { syntheticBookPhoto, toJpeg, type Surface } from '../tests/support/synthetic';
import { FIXTURES } from './fixtures';

const WIDTH = 1632;
const HEIGHT = 1224; // 2.0 megapixels, a 4:3 phone photo scaled down

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 12);
  const surfaces: Surface[] = ['plain', 'noisy', 'wood', 'dark'];
  const photos: Buffer[] = [];
  for (let i = 0; i < Math.min(count, 4); i++) {
    photos.push(await toJpeg(syntheticBookPhoto({ width: WIDTH, height: HEIGHT, surface: surfaces[i % 4], seed: i + 1, angle: 3 + 4 * i })));
  }
  // Warm-up: sharp's first call loads libvips.
  await removeBackground(photos[0] as Buffer);

  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const result = await removeBackground(photos[i % photos.length] as Buffer);
    await makeThumbnail(result.png);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(`2-megapixel photos (${WIDTH}×${HEIGHT} JPEG): ${count} in ${seconds.toFixed(2)} s`);
  console.log(`  images/second: ${(count / seconds).toFixed(2)}  (${((seconds / count) * 1000).toFixed(0)} ms each, one at a time)`);
  console.log(`  peak RSS: ${mib(peakRss)} MiB sampled, ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB maxRSS (start ${mib(rssBefore)} MiB)`);

  console.log('\nmask quality on tests/fixtures (IoU against the exact mask):');
  for (const spec of FIXTURES) {
    const fixture = await loadFixture(spec.name);
    const result = await removeBackground(fixture.photo, { includeMask: true });
    const iou = intersectionOverUnion(result.mask as Uint8Array, fixture.mask);
    console.log(`  ${spec.name.padEnd(18)} IoU ${iou.toFixed(3)}  (floor ${spec.minIoU})  background ${result.stats.background}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
