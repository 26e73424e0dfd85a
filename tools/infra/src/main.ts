// The synth command behind the `synth` targets and the local deploys:
//   main.ts synth [appDir...] [--env NAME] [--shared] [--out DIR]
//     no appDir: the environment's shared stack (dist/tools/infra/cdk.out); with them, each app's
//     (dist/apps/<app>/cdk.out), and the shared stack too with --shared; --out only for one stack.
//   main.ts synth-plan FILE
//     the stacks a JSON list of SynthTarget (tools/deploy) names (what `npm start` and test deploys ask for), in one process:
//     loading the CDK costs more than a stack does.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import type { SynthTarget } from '@bmx/deploy';
import { repoRoot, synth } from './synth';

const USAGE = 'usage: main.ts synth [appDir...] [--env NAME] [--shared] [--out DIR] | main.ts synth-plan FILE';

function targetsFromArgs(): SynthTarget[] {
  const { values, positionals } = parseArgs({
    options: {
      env: { type: 'string' },
      out: { type: 'string' },
      shared: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [command, ...args] = positionals;
  if (command === 'synth-plan') {
    if (args.length !== 1) throw new Error(USAGE);
    return JSON.parse(readFileSync(path.resolve(args[0] as string), 'utf8')) as SynthTarget[];
  }
  if (command !== 'synth') throw new Error(USAGE);
  const env = values.env ?? process.env['BMX_ENV'] ?? 'local';
  const appDirs = args.map((arg) => path.resolve(repoRoot, arg));
  const withShared = values.shared || appDirs.length === 0;
  if (values.out && (withShared ? 1 : 0) + appDirs.length !== 1) throw new Error(`--out takes one stack. ${USAGE}`);
  return [
    ...(withShared ? [{ env, outdir: values.out ?? path.join(repoRoot, 'dist/tools/infra/cdk.out') }] : []),
    ...appDirs.map((appDir) => ({ env, appDir, outdir: values.out ?? path.join(repoRoot, 'dist/apps', path.basename(appDir), 'cdk.out') })),
  ];
}

function main(): void {
  for (const target of targetsFromArgs()) {
    const { stack } = synth({
      environment: target.env,
      appDir: target.appDir,
      outdir: target.outdir,
      ...(target.bundleDir ? { bundleDir: target.bundleDir } : {}),
      ...(target.variant ? { variant: target.variant } : {}),
      ...(target.nag === false ? { nag: false } : {}),
    });
    process.stdout.write(`${stack.stackName} (${target.env}) → ${path.relative(repoRoot, target.outdir)}\n`);
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
