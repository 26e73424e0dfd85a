// Benchmark 2: cold start per Lambda bundle. In a fresh Node process: time to load the handler module (which builds
// its clients) and to answer its first (smoke-test) invocation, and peak RSS; the deployed bundle (one minified
// file, SDK inlined) versus the same code unbundled (our own code compiled, every npm package loaded from
// node_modules, as tsc output plus node_modules would be). Also each zip's size.
import { createTestDatabase } from '@bmx/db';
import { bundleApp, copyPackageClosure, loadDeployConfig } from '@bmx/deploy';
import { startLocalAws, zipDirectory } from '@bmx/local-aws';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fmt, print, type BenchTable } from './lib/report';

const root = path.resolve(__dirname, '..');
const RUNS = Number(process.env['BENCH_COLD_RUNS'] ?? 5);

// Peak RSS from /proc (VmHWM): getrusage's maxRSS after fork+exec can report the parent's size.
const PROBE = `
const peakRssMiB = () => { try { return Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024; } catch { return process.resourceUsage().maxRSS / 1024; } };
const started = performance.now();
const mod = require(process.argv[1]);
const loaded = performance.now();
Promise.resolve(mod[process.argv[2]](JSON.parse(process.argv[3]), { getRemainingTimeInMillis: () => 30000, functionName: 'bench', awsRequestId: 'bench' }))
  .then(() => {
    const answered = performance.now();
    process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ load: loaded - started, invoke: answered - loaded, rss: peakRssMiB() }) + '\\n');
    process.exit(0);
  }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/**
 * Our code compiled into one file, every npm package left to node_modules; also builds the zip such a deploy would
 * ship (the file plus the packages it needs, with their dependencies) and returns its size.
 */
async function unbundled(entry: string, outDir: string): Promise<{ file: string; zipBytes: number }> {
  const outfile = path.join(outDir, 'index.js');
  const packages = new Set<string>();
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    conditions: ['@bmx/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'npm-packages-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@bmx/')) return undefined;
            if (!args.path.startsWith('node:')) packages.add(args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0] as string);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const builtins = new Set(builtinModules);
  copyPackageClosure([...packages].filter((name) => !builtins.has(name)), root, outDir);
  return { file: outfile, zipBytes: zipDirectory(outDir).length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function measure(file: string, handlerExport: string, event: unknown, env: NodeJS.ProcessEnv, cwd: string) {
  const runs = Array.from({ length: RUNS }, () => {
    // The handler may log to stdout too: the figures are on the marked line.
    const output = execFileSync(process.execPath, ['-e', PROBE, file, handlerExport, JSON.stringify(event)], { env, cwd, encoding: 'utf8' });
    const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`no result from ${file}:\n${output}`);
    return JSON.parse(line.slice('BENCH_RESULT '.length)) as { load: number; invoke: number; rss: number };
  });
  return { load: median(runs.map((r) => r.load)), invoke: median(runs.map((r) => r.invoke)), rss: median(runs.map((r) => r.rss)) };
}

export async function coldStartBench(): Promise<BenchTable> {
  const stack = await startLocalAws({});
  const database = await createTestDatabase('bmx_bench');
  const scratch = mkdtempSync(path.join(root, 'tmp-cold-'));
  const rows: (string | number)[][] = [];
  try {
    const apps = readdirSync(path.join(root, 'apps')).filter((app) => existsSync(path.join(root, 'apps', app, 'lambda.deploy.json')));
    for (const app of apps) {
      const appDir = path.join(root, 'apps', app);
      const built = await bundleApp(appDir);
      const config = loadDeployConfig(appDir, 'bench');
      for (const fn of config.functions) {
        const zip = built.find((b) => b.spec.id === fn.id);
        if (!zip) continue;
        const env = {
          ...process.env,
          ...stack.env,
          ...(fn.environment ?? {}),
          DATABASE_URL: database.url,
          BMX_ENV: 'bench',
          IMAGES_BUCKET: 'bench-images',
          IMAGE_JOBS_QUEUE_NAME: 'bench-image-jobs',
          TRACKING_QUEUE_NAME: 'bench-tracking',
          TRACKING_CARRIERS: 'none',
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
        };
        const handlerExport = fn.export ?? 'handler';
        const event = fn.smokeTest ?? { smoke_test: true };
        const bundledFile = path.join(path.dirname(zip.zipPath), fn.id, 'index.js');
        const plainDir = path.join(scratch, app, fn.id);
        const plain = await unbundled(path.join(appDir, fn.entry), plainDir);
        const plainFile = plain.file;
        const b = measure(bundledFile, handlerExport, event, env, path.dirname(bundledFile));
        const u = measure(plainFile, handlerExport, event, env, root);
        rows.push([`${app}/${fn.id}`, 'bundled', fmt(zip.sizeBytes / 1024, 0), fmt(b.load, 0), fmt(b.invoke, 0), fmt(b.load + b.invoke, 0), fmt(b.rss, 0)]);
        rows.push([`${app}/${fn.id}`, 'unbundled', fmt(plain.zipBytes / 1024, 0), fmt(u.load, 0), fmt(u.invoke, 0), fmt(u.load + u.invoke, 0), fmt(u.rss, 0)]);
        rows.push([
          `${app}/${fn.id}`,
          '**unbundled ÷ bundled**',
          `**${fmt(plain.zipBytes / zip.sizeBytes, 2)}×**`,
          '',
          '',
          `**${fmt((u.load + u.invoke) / (b.load + b.invoke), 2)}×**`,
          `**${fmt(u.rss / b.rss, 2)}×**`,
        ]);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await database.drop();
    await stack.stop();
  }
  return {
    title: `Cold start per Lambda bundle (median of ${RUNS} fresh processes)`,
    command: 'npm run bench -- cold-start',
    columns: ['function', 'build', 'zip KiB', 'load ms', 'first invoke ms', 'cold start ms', 'peak RSS MiB'],
    rows,
    notes: [
      'load: require() of the handler module (configuration, database pool; AWS clients are built lazily on first use); first invoke: the deploy smoke-test event, which for api/http is a real request through Fastify and for the retry handler a database query, and for the SQS handlers returns before any I/O, so no figure here includes a first AWS call',
      'unbundled: our code compiled, every npm package (AWS SDK included) loaded from node_modules, as tsc output plus node_modules would be; its zip holds that file plus the packages it imports and their dependencies',
      'Node\'s own start-up (about 40 ms) is outside both figures',
    ],
  };
}

if (require.main === module) {
  coldStartBench().then(print, (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}
