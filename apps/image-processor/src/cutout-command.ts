// npm run cutout -- <photo> [--out result.png] [--mask mask.png]
// Runs the background removal the Lambda runs on one photo and prints its stats as JSON. --out writes the result,
// --mask the full-size subject mask (255 = subject) in source pixels after EXIF rotation. Paths are taken relative
// to the directory npm was started in. Exit status 2 when no subject is found, 1 on any other error.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ImageDecodeError, removeBackground, SubjectNotFoundError } from './background/remove-background';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, mask: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: npm run cutout -- <photo> [--out result.png] [--mask mask.png]\n');
    return 1;
  }
  const from = process.env['INIT_CWD'] ?? process.cwd();
  const photo = path.resolve(from, positionals[0] as string);
  const started = performance.now();
  try {
    const result = await removeBackground(readFileSync(photo), {
      includeMask: values.mask !== undefined,
    });
    const milliseconds = Math.round(performance.now() - started);
    if (values.out) writeFileSync(path.resolve(from, values.out), result.png);
    if (values.mask && result.mask) {
      const { sourceWidth: width, sourceHeight: height } = result.stats;
      await sharp(result.mask, { raw: { width, height, channels: 1 } })
        .png()
        .toFile(path.resolve(from, values.mask));
    }
    process.stdout.write(`${JSON.stringify({ photo, milliseconds, ...result.stats }, null, 2)}\n`);
    return 0;
  } catch (error) {
    const notFound = error instanceof SubjectNotFoundError;
    // What failed: the photo did not decode, it has no subject, or the removal itself broke.
    const failed = error instanceof ImageDecodeError ? 'decode' : notFound ? 'no subject' : 'background removal';
    process.stdout.write(`${JSON.stringify({ photo, failed, error: (error as Error).message })}\n`);
    return notFound ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
