// npm run bench [-- name ...]: runs the benchmarks (all, or those named), prints each table, and writes
// bench/RESULTS.md: all of it after a full run, only the named benchmarks' sections after a partial one.
// Benchmarks are never part of npm test's pass/fail.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clientReuseBench } from './client-reuse.bench';
import { apiBench } from './api.bench';
import { coldStartBench } from './cold-start.bench';
import { powertoolsBench } from './powertools.bench';
import { externalBench } from './external';
import { machine, print, runToExit, toMarkdown, type BenchTable } from './lib/report';
import { mergeResults } from './lib/results';

const benches: Record<string, () => Promise<BenchTable>> = {
  'client-reuse': clientReuseBench,
  'cold-start': coldStartBench,
  powertools: powertoolsBench,
  'fan-out': externalBench('Fan-out: the dispatcher over 10,000 books, batched versus one send per book', 'apps/tracking-dispatcher/bench/fanout.bench.ts'),
  'fan-out-100k': externalBench('Fan-out: the dispatcher over 100,000 books, batched versus one send per book', 'apps/tracking-dispatcher/bench/fanout.bench.ts', ['--100k']),
  image: externalBench('Image processing: background removal quality on real photos, 12-MP time and memory, 2-MP throughput', 'apps/image-processor/bench/process.bench.ts'),
  api: apiBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !benches[name]);
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  const tables: BenchTable[] = [];
  for (const [name, bench] of Object.entries(benches)) {
    if (wanted.length && !wanted.includes(name)) continue;
    process.stdout.write(`running ${name}…\n`);
    const table = await bench();
    print(table);
    tables.push(table);
  }
  const file = path.join(__dirname, 'RESULTS.md');
  const today = new Date().toISOString().slice(0, 10);
  if (wanted.length && existsSync(file)) {
    const previous = readFileSync(file, 'utf8');
    const sameMachine = previous.includes(`Machine: ${machine()}.`);
    const note = `The ${wanted.join(', ')} section${wanted.length > 1 ? 's were' : ' was'} re-run alone on ${today} (\`npm run bench -- ${wanted.join(' ')}\`, ${sameMachine ? 'same machine' : machine()}).`;
    writeFileSync(file, mergeResults(previous, tables, { names: wanted, note }));
  } else {
    const header = [
      '# Benchmark results',
      '',
      `Made by \`npm run bench${wanted.length ? ` -- ${wanted.join(' ')}` : ''}\` on ${today}.`,
      `Machine: ${machine()}.`,
      'Every figure and ratio in a table was measured side by side in the same run; loopback servers only.',
      '',
    ].join('\n');
    writeFileSync(file, `${header}\n${tables.map(toMarkdown).join('\n')}`);
  }
  process.stdout.write('\nwrote bench/RESULTS.md\n');
}

runToExit(main);
