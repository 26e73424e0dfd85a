import { parseArgs } from 'node:util';

/** What `cli.ts` was asked to do. */
export interface CliArgs {
  /** `bundle`, `deploy`, `affected`, `pin`, … */
  command: string;
  /** The app folder (`bundle`, `deploy`, `pin`), as given. */
  appDir?: string;
  /** `--env NAME` or `--env=NAME`; else `BMX_ENV`; else `local`. */
  envName: string;
}

/**
 * Reads the deploy CLI's arguments with node:util's parseArgs, so `--env prod` and `--env=prod` (how Nx forwards
 * `nx deploy api --env prod`) mean the same. Unknown options are an error naming them.
 */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  const { values, positionals } = parseArgs({ args: argv, options: { env: { type: 'string' } }, allowPositionals: true, strict: true });
  const [command, appDir] = positionals;
  if (!command) throw new Error('usage: cli.ts <bundle|deploy|setup|affected|pin> [appDir] [--env name]');
  const envName = values.env ?? env['BMX_ENV'] ?? 'local';
  if (!/^[a-z0-9-]{1,32}$/.test(envName)) throw new Error(`--env must be lowercase letters, digits or dashes, got "${envName}"`);
  return { command, appDir, envName };
}
