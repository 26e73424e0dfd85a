// Benchmark: what Powertools Logger and Metrics (libs/lambda-kit's withLogger/withMetrics) cost each Lambda.
// Size: esbuild's metafile says how many bytes of each real bundle come from @aws-lambda-powertools/*. Start-up:
// two probe bundles built the same way as the functions' (ES imports, so tree-shaken alike; minified, CommonJS), one a bare handler and one that
// also builds a Logger and a Metrics, logs a line and publishes a metric, are loaded and invoked in fresh processes,
// alternately, so the difference between them is what the two packages add to a cold start.
import { bundleLambdaWithMetafile, loadDeployConfig, zipDirectory } from '@bmx/deploy';
import type { Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fmt, percentile, runIfMain, type BenchTable } from './lib/report';

const root = path.resolve(__dirname, '..');
const RUNS = Number(process.env['BENCH_POWERTOOLS_RUNS'] ?? 15);
const execFileAsync = promisify(execFile);
const POWERTOOLS = `${path.sep}node_modules${path.sep}@aws-lambda-powertools${path.sep}`;

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const kib = (bytes: number) => bytes / 1024;

const BARE_HANDLER = `
export const handler = async (event) => ({ ok: true, echoed: Object.keys(event).length });
`;

const POWERTOOLS_HANDLER = `
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
const logger = new Logger({ serviceName: 'bench' });
const metrics = new Metrics({ namespace: 'BenchProbe', serviceName: 'bench', logger });
export const handler = async (event, context) => {
  logger.addContext(context);
  logger.info('handled', { keys: Object.keys(event).length });
  metrics.addMetric('ProbeCalls', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return { ok: true, echoed: Object.keys(event).length };
};
`;

// Same clock points as the cold-start benchmark: require() of the bundle, then its answer to the first event.
const PROBE = `
const started = performance.now();
const mod = require(process.argv[1]);
const loaded = performance.now();
Promise.resolve(mod.handler({ probe: true }, { functionName: 'bench', functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', memoryLimitInMB: '512', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 }))
  .then((result) => {
    if (!result || result.ok !== true) { process.stderr.write('unexpected answer ' + JSON.stringify(result)); process.exit(1); }
    process.stderr.write('\\nBENCH_RESULT ' + JSON.stringify({ load: performance.now() - started, invoke: performance.now() - loaded }) + '\\n');
    process.exit(0);
  }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

interface Probe {
  name: string;
  file: string;
  /** Minified bundle, and the bytes of it from @aws-lambda-powertools/*. */
  bundleBytes: number;
  powertoolsBytes: number;
  zipBytes: number;
  load: number[];
  invoke: number[];
  /** Lines the probe wrote to stdout on its first run (its log line and EMF object, for the Powertools one). */
  stdoutLines: number;
}

async function buildProbe(name: string, source: string, workDir: string): Promise<Probe> {
  // The probe's source sits inside the repository so its imports resolve from the same node_modules as the functions'.
  mkdirSync(path.join(root, 'node_modules', '.cache'), { recursive: true });
  const srcDir = mkdtempSync(path.join(root, 'node_modules', '.cache', `bmx-bench-probe-${name}-`));
  const outDir = path.join(workDir, name);
  const entry = path.join(srcDir, 'index.js');
  writeFileSync(entry, source);
  try {
    const { outfile, metafile } = await bundleLambdaWithMetafile({ entry, outDir });
    const { bundleBytes, powertoolsBytes } = powertoolsShare(outfile, metafile, name);
    return { name, file: outfile, bundleBytes, powertoolsBytes, zipBytes: zipDirectory(outDir).length, load: [], invoke: [], stdoutLines: -1 };
  } finally {
    rmSync(srcDir, { recursive: true, force: true });
  }
}

async function runProbe(probe: Probe, probeScript: string): Promise<void> {
  const { stdout, stderr } = await execFileAsync(process.execPath, ['-e', probeScript, probe.file], {
    env: { PATH: process.env['PATH'], POWERTOOLS_LOG_LEVEL: 'INFO', AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_REGION: 'us-east-1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stderr.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`${probe.name} probe printed no result:\n${stderr.slice(0, 2000)}`);
  const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as { load: number; invoke: number };
  probe.load.push(result.load);
  probe.invoke.push(result.invoke);
  if (probe.stdoutLines < 0) probe.stdoutLines = stdout.split('\n').filter(Boolean).length;
}

/** The bundle's size and the bytes in it that esbuild took from @aws-lambda-powertools/* sources. */
function powertoolsShare(outfile: string, metafile: Metafile, what: string): { bundleBytes: number; powertoolsBytes: number } {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error(`${what}: esbuild reported no output for the entry`);
  const powertoolsBytes = Object.entries(output.inputs)
    .filter(([input]) => path.resolve(input).includes(POWERTOOLS))
    .reduce((sum, [, info]) => sum + info.bytesInOutput, 0);
  return { bundleBytes: statSync(outfile).size, powertoolsBytes };
}

/** Every deployable function of every app: its real bundle's size and the part of it that is Powertools. */
async function bundleShares(workDir: string): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  const apps = readdirSync(path.join(root, 'apps')).filter((app) => existsSync(path.join(root, 'apps', app, 'lambda.deploy.json')));
  for (const app of apps) {
    const appDir = path.join(root, 'apps', app);
    for (const fn of loadDeployConfig(appDir, 'bench').functions) {
      const outDir = path.join(workDir, app, fn.id);
      const { outfile, metafile } = await bundleLambdaWithMetafile({ entry: path.join(appDir, fn.entry), outDir, external: fn.nodeModules });
      const { bundleBytes, powertoolsBytes } = powertoolsShare(outfile, metafile, `${app}/${fn.id}`);
      if (powertoolsBytes === 0) throw new Error(`${app}/${fn.id}: no @aws-lambda-powertools input in its bundle; every function logs through lambda-kit`);
      rows.push([`${app}/${fn.id}`, fmt(kib(bundleBytes), 0), fmt(kib(powertoolsBytes), 0), `${fmt((100 * powertoolsBytes) / bundleBytes, 1)} %`]);
    }
  }
  return rows;
}

export async function powertoolsBench(): Promise<BenchTable> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'bmx-bench-powertools-'));
  try {
    const shares = await bundleShares(workDir);
    const bare = await buildProbe('bare', BARE_HANDLER, workDir);
    const withPowertools = await buildProbe('powertools', POWERTOOLS_HANDLER, workDir);
    const probeScript = PROBE;
    // Alternate the two so machine noise lands on both alike.
    for (let i = 0; i < RUNS; i += 1) {
      await runProbe(bare, probeScript);
      await runProbe(withPowertools, probeScript);
    }
    if (withPowertools.stdoutLines < 2) throw new Error(`the Powertools probe wrote ${withPowertools.stdoutLines} stdout line(s); expected its log line and its EMF object`);
    const m = (p: Probe) => ({ load: median(p.load), invoke: median(p.invoke), total: median(p.load.map((l, i) => l + (p.invoke[i] as number))) });
    const b = m(bare);
    const w = m(withPowertools);
    const signed = (n: number, digits = 1) => `${n >= 0 ? '+' : '−'}${fmt(Math.abs(n), digits)}`;
    const probeRow = (label: string, p: Probe, f: ReturnType<typeof m>) => [label, fmt(kib(p.bundleBytes), 1), fmt(kib(p.powertoolsBytes), 1), '', fmt(kib(p.zipBytes), 1), fmt(f.load, 1), fmt(f.invoke, 1), fmt(f.total, 1)];
    return {
      title: 'Powertools Logger and Metrics: share of each bundle, and what they add to a cold start',
      command: 'npm run bench -- powertools',
      columns: ['bundle', 'minified KiB', 'of it Powertools KiB', 'share', 'zip KiB', 'load ms', 'first event ms', 'cold start ms'],
      rows: [
        ...shares.map((r) => [...r, '', '', '', '']),
        probeRow('probe: bare handler', bare, b),
        probeRow('probe: handler + Logger + Metrics', withPowertools, w),
        [
          '**added by Logger + Metrics**',
          `**${signed(kib(withPowertools.bundleBytes - bare.bundleBytes))}**`,
          '',
          '',
          `**${signed(kib(withPowertools.zipBytes - bare.zipBytes))}**`,
          `**${signed(w.load - b.load)}**`,
          `**${signed(w.invoke - b.invoke)}**`,
          `**${signed(w.total - b.total)}**`,
        ],
      ],
      notes: [
        'function rows: the function\'s real bundle (as `nx bundle` builds it, minified, before zipping) and the bytes in it that come from @aws-lambda-powertools/*, from esbuild\'s metafile',
        `probe rows: built the same way; zip KiB includes the source map, as the functions’ zips do; medians of ${RUNS} fresh Node processes each, run alternately; load = require() of the bundle, first event = one invocation (the Powertools probe logs one JSON line and publishes one EMF metric to stdout)`,
        'the difference between the probes is what importing, constructing and first using Logger and Metrics adds to a function\'s cold start; compare it with the cold-start table',
      ],
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

runIfMain(module, powertoolsBench);
