// The background removal measured: IoU and time (wall and CPU) per real photo (tests/fixtures/photos, against masks.json) and
// per synthetic fixture; median time and peak memory for a 12-megapixel phone photo on one core (in a child
// process of its own, so its peak RSS is its own); images per second at 2 megapixels. Not a test: the figures
// depend on the machine. Run: npm run bench -- image, or
//   node --conditions=@bmx/source --import tsx apps/image-processor/bench/process.bench.ts [--12mp-child]
import { makeThumbnail } from '@bmx/images';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import sharp from 'sharp';
import { intersectionOverUnion } from '../src/background/quality';
import { BACKGROUND_METHOD, removeBackground } from '../src/background/remove-background';
import { loadFixture } from '../tests/support/fixtures';
import { COMPOSITE_RECIPES, compositeCase } from '../tests/support/composites';
import { outlineMask, PHOTO_VARIANTS, realPhotos } from '../tests/support/photos';
import { syntheticBookPhoto, toJpeg, type Surface } from '../tests/support/synthetic';
import { FIXTURES } from './fixtures';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU time (user + system, all threads) since `start`, in ms: on a shared machine it moves far less than wall time. */
const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** A 4032×3024 JPEG made from a real photo (the cover, scaled up to fill the frame): what a phone uploads. */
async function twelveMegapixelPhoto(): Promise<Buffer> {
  const cover = realPhotos().find((p) => p.name === 'rubaiyat-7.jpg');
  if (!cover) throw new Error('rubaiyat-7.jpg missing from tests/fixtures/photos');
  return sharp(cover.bytes).resize(4032, 3024, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
}

/** In the child: one core for libvips and the thread pool, a warm-up, then 5 timed runs; prints JSON. */
async function twelveMegapixelChild(): Promise<void> {
  sharp.concurrency(1);
  const photo = await twelveMegapixelPhoto();
  await removeBackground(photo);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    await removeBackground(photo);
    times.push(ms(start));
    cpu.push(cpuMs(startCpu));
  }
  process.stdout.write(JSON.stringify({ times, cpu, maxRssMiB: process.resourceUsage().maxRSS / 1024, bytes: photo.length }));
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  // The machine is shared: the load it ran under goes beside the figures (wall time moves with it, CPU time far less).
  const load = () => os.loadavg().map((v) => v.toFixed(1)).join(', ');
  out(`method ${BACKGROUND_METHOD}; load average (1, 5, 15 min) at the start ${load()} on ${os.cpus().length} cores`);
  out('');
  await removeBackground(await toJpeg(syntheticBookPhoto({ width: 400, height: 300 }))); // loads libvips and OpenCV

  out('real photos (tests/fixtures/photos = ../shared/photos; IoU against masks.json):');
  out('| photo | IoU | wall ms | CPU ms | subject box | background |');
  out('| --- | --- | --- | --- | --- | --- |');
  const ious: number[] = [];
  let processed = 0;
  const photos = realPhotos();
  for (const photo of photos) {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    try {
      const result = await removeBackground(photo.bytes, { includeMask: true });
      const time = ms(start);
      const cpu = cpuMs(startCpu);
      processed++;
      let iou = 'processed (no outline)';
      if (photo.outline) {
        const value = intersectionOverUnion(result.mask as Uint8Array, await outlineMask(photo.outline, result.stats.sourceWidth, result.stats.sourceHeight));
        ious.push(value);
        iou = value.toFixed(3);
      }
      const { subject } = result.stats;
      const box = `${subject.width}×${subject.height} at ${subject.left},${subject.top}`;
      out(`| ${photo.name} | ${iou} | ${time.toFixed(0)} | ${cpu.toFixed(0)} | ${box} | ${result.stats.background} |`);
    } catch (error) {
      out(`| ${photo.name} | FAILED: ${(error as Error).message} | ${ms(start).toFixed(0)} | | | |`);
    }
  }
  const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
  out(
    `processed ${processed} of ${photos.length}; outlined photos: mean IoU ${mean.toFixed(3)}, worst ${Math.min(...ious).toFixed(3)} (targets 0.95 and 0.90)`,
  );

  out('');
  out('the outlined photos as users might upload them instead (IoU against masks.json moved the same way):');
  out(`| variant | ${photos.filter((p) => p.outline).map((p) => p.name).join(' | ')} | mean | worst |`);
  out(`| --- | ${photos.filter((p) => p.outline).map(() => '---').join(' | ')} | --- | --- |`);
  for (const variant of PHOTO_VARIANTS) {
    const values: number[] = [];
    for (const photo of photos.filter((p) => p.outline)) {
      const { width = 0, height = 0 } = await sharp(photo.bytes).metadata();
      const bytes = await variant.change(sharp(photo.bytes), width, height).jpeg({ quality: 92 }).toBuffer();
      const result = await removeBackground(bytes, { includeMask: true });
      const outline = (photo.outline as Array<[number, number]>).map((p) => variant.point(p, width, height));
      values.push(intersectionOverUnion(result.mask as Uint8Array, await outlineMask(outline, result.stats.sourceWidth, result.stats.sourceHeight)));
    }
    const average = values.reduce((a, b) => a + b, 0) / values.length;
    out(`| ${variant.name} | ${values.map((v) => v.toFixed(3)).join(' | ')} | ${average.toFixed(3)} | ${Math.min(...values).toFixed(3)} |`);
  }

  out('');
  out('composites (tests/support/composites.ts: a real book on a real backdrop from another photo, exact masks):');
  out('| composite | IoU | wall ms | CPU ms |');
  out('| --- | --- | --- | --- |');
  for (const recipe of COMPOSITE_RECIPES) {
    const composite = await compositeCase(recipe);
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    const result = await removeBackground(composite.jpeg, { includeMask: true });
    const time = ms(start);
    const cpu = cpuMs(startCpu);
    out(`| ${recipe.name} | ${intersectionOverUnion(result.mask as Uint8Array, composite.mask).toFixed(3)} | ${time.toFixed(0)} | ${cpu.toFixed(0)} |`);
  }

  out('');
  out('synthetic fixtures (tests/fixtures, exact masks):');
  out('| fixture | IoU | floor | wall ms | CPU ms |');
  out('| --- | --- | --- | --- | --- |');
  for (const spec of FIXTURES) {
    const fixture = await loadFixture(spec.name);
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    const result = await removeBackground(fixture.photo, { includeMask: true });
    const time = ms(start);
    const cpu = cpuMs(startCpu);
    out(
      `| ${spec.name} | ${intersectionOverUnion(result.mask as Uint8Array, fixture.mask).toFixed(3)} | ${spec.minIoU} | ${time.toFixed(0)} | ${cpu.toFixed(0)} |`,
    );
  }

  const child = JSON.parse(
    execFileSync(process.execPath, [...process.execArgv, __filename, '--12mp-child'], {
      encoding: 'utf8',
      env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
      maxBuffer: 1024 * 1024,
    }),
  ) as { times: number[]; cpu: number[]; maxRssMiB: number; bytes: number };
  out('');
  out(`12-megapixel photo (4032×3024 JPEG, ${(child.bytes / 1024).toFixed(0)} KiB), one core (sharp.concurrency(1), UV_THREADPOOL_SIZE=1), own process:`);
  out(`  CPU time median ${median(child.cpu).toFixed(0)} ms of 5 (${child.cpu.map((t) => t.toFixed(0)).join(', ')}); target 1500 ms`);
  out(
    `  wall time median ${median(child.times).toFixed(0)} ms (${child.times.map((t) => t.toFixed(0)).join(', ')}); load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`,
  );
  out(`  peak RSS ${child.maxRssMiB.toFixed(0)} MiB (target 1024 MiB)`);

  const WIDTH = 1632;
  const HEIGHT = 1224; // 2.0 megapixels, a 4:3 phone photo scaled down
  const surfaces: Surface[] = ['plain', 'noisy', 'wood', 'dark'];
  const twoMp: Buffer[] = [];
  for (let i = 0; i < 4; i++)
    twoMp.push(
      await toJpeg(
        syntheticBookPhoto({
          width: WIDTH,
          height: HEIGHT,
          surface: surfaces[i],
          seed: i + 1,
          angle: 3 + 4 * i,
        }),
      ),
    );
  const count = 12;
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const result = await removeBackground(twoMp[i % twoMp.length] as Buffer);
    await makeThumbnail(result.png);
  }
  const seconds = ms(start) / 1000;
  const cpuSeconds = cpuMs(startCpu) / 1000;
  out('');
  out(`2-megapixel photos (${WIDTH}×${HEIGHT} JPEG, synthetic, result PNG and thumbnail included), ${count} one at a time, default threads:`);
  out(
    `  ${(count / seconds).toFixed(2)} images/s by wall time (${((seconds / count) * 1000).toFixed(0)} ms each); ${(count / cpuSeconds).toFixed(2)} images per CPU-second`,
  );
  out('');
  out(`load average (1, 5, 15 min) at the end ${load()}`);
}

const run = process.argv.includes('--12mp-child') ? twelveMegapixelChild : main;
run().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
