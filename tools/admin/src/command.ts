import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type AdminContext } from './context';

/** Options of one subcommand, in node:util parseArgs' form, each with the line `--help` prints for it. */
export type CommandOptions = Record<string, NonNullable<ParseArgsConfig['options']>[string] & { help: string }>;

/** What a subcommand's `run` receives: its own options and positionals, parsed. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** One `admin <group> <name>` command. */
export interface Command {
  /** e.g. `<name> --role viewer|editor|admin` */
  usage: string;
  summary: string;
  options?: CommandOptions;
  run(args: ParsedArgs, context: AdminContext): Promise<void>;
}

/** A group such as `keys`, with its subcommands. */
export interface CommandGroup {
  summary: string;
  commands: Record<string, Command>;
}

/** The `--help` text of one command. */
export function commandHelp(group: string, name: string, command: Command): string {
  const lines = [`usage: npm run admin -- ${group} ${name} ${command.usage}`.trimEnd(), '', command.summary];
  const options = Object.entries(command.options ?? {});
  if (options.length > 0) {
    lines.push('', 'options:');
    for (const [option, spec] of options) lines.push(`  --${option}${spec.type === 'string' ? ' <value>' : ''}  ${spec.help}`);
  }
  lines.push('  --env <name>  the environment (default BMX_ENV, else local)', '  --help  this text');
  return lines.join('\n');
}

/** Parses a command's arguments strictly: an unknown option is a usage error naming it. */
export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const options = Object.fromEntries(Object.entries(command.options ?? {}).map(([name, { help: _help, ...spec }]) => [name, spec]));
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A positive whole number from an argument, or a usage error naming it. */
export function positiveInteger(value: string | boolean | undefined, what: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a positive whole number, got "${String(value)}"`);
  return n;
}
