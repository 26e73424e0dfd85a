// `synth` target: node --import tsx tools/infra/src/main.ts synth [appDir] [--env NAME] [--out DIR]
// Without appDir, the environment's shared stack (dist/tools/infra/cdk.out); with it, that app's (dist/apps/<app>/cdk.out).
import { parseArgs } from 'node:util';
import path from 'node:path';
import { repoRoot, synth } from './synth';

function main(): void {
  const { values, positionals } = parseArgs({
    options: { env: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: true,
  });
  const [command, appArg] = positionals;
  if (command !== 'synth')
    throw new Error('usage: main.ts synth [appDir] [--env NAME] [--out DIR]');
  const envName = values.env ?? process.env['BMX_ENV'] ?? 'local';
  const appDir = appArg ? path.resolve(repoRoot, appArg) : undefined;
  const outdir =
    values.out ??
    path.join(
      repoRoot,
      appDir
        ? `dist/apps/${path.basename(appDir)}/cdk.out`
        : 'dist/tools/infra/cdk.out',
    );
  const { stack } = synth({ environment: envName, appDir, outdir });
  process.stdout.write(
    `${stack.stackName} (${envName}) → ${path.relative(repoRoot, outdir)}\n`,
  );
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
