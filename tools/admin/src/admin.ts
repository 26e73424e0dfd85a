import { ConfigError } from '@bmx/aws-clients';
import { useEnvironment } from '@bmx/deploy';
import { commandHelp, parseCommandArgs, type CommandGroup } from './command';
import { dbCommands } from './commands/db';
import { dlqCommands } from './commands/dlq';
import { jobsCommands } from './commands/jobs';
import { keysCommands } from './commands/keys';
import { createContext, UsageError, type AdminIo } from './context';

/** Every command group, in the order `--help` lists them. */
export const COMMAND_GROUPS: Record<string, CommandGroup> = { keys: keysCommands, db: dbCommands, jobs: jobsCommands, dlq: dlqCommands };

function overview(): string {
  const lines = ['usage: npm run admin -- <group> <command> [options] [--env name]', ''];
  for (const [group, { summary, commands }] of Object.entries(COMMAND_GROUPS)) {
    lines.push(`${group}: ${summary}`);
    for (const [name, command] of Object.entries(commands)) lines.push(`  ${group} ${name} ${command.usage}`.trimEnd());
  }
  lines.push(
    '',
    'Works on one environment through the usual configuration: DATABASE_URL or DATABASE_SECRET_ARN, the AWS region rule and',
    'endpoints (AWS_ENDPOINT_URL_*), BMX_ENV (or --env) for resource names. --env local without endpoints uses the running',
    '`npm start` stack. `<group> <command> --help` describes one command.',
  );
  return lines.join('\n');
}

/** `--env NAME` / `--env=NAME` anywhere, removed from the arguments; else `BMX_ENV`; else `local`. */
function takeEnvName(argv: string[], env: NodeJS.ProcessEnv): { envName: string; rest: string[] } {
  const rest: string[] = [];
  let envName = env['BMX_ENV']?.trim() || 'local';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--env') envName = argv[++i] ?? '';
    else if (arg.startsWith('--env=')) envName = arg.slice('--env='.length);
    else rest.push(arg);
  }
  if (!/^[a-z0-9-]{1,32}$/.test(envName)) throw new UsageError(`--env must be lowercase letters, digits or dashes, got "${envName}"`);
  return { envName, rest };
}

/**
 * Runs one admin command and resolves with the process's exit status: 0 done, 1 failed, 2 wrong usage (printed with
 * the usage). `env` is what the command reads (the process's own in the CLI).
 */
export async function runAdmin(argv: string[], io: AdminIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let help: string = overview();
  try {
    const { envName, rest } = takeEnvName(argv, env);
    const [groupName, commandName, ...args] = rest;
    if (!groupName || groupName === '--help' || groupName === 'help') {
      io.out(help);
      return groupName ? 0 : 2;
    }
    const group = COMMAND_GROUPS[groupName];
    if (!group) throw new UsageError(`unknown command group "${groupName}"`);
    const command = commandName ? group.commands[commandName] : undefined;
    if (!command) {
      help = [`${groupName}: ${group.summary}`, ...Object.entries(group.commands).map(([name, c]) => `  npm run admin -- ${groupName} ${name} ${c.usage}`.trimEnd())].join('\n');
      if (commandName === '--help') {
        io.out(help);
        return 0;
      }
      throw new UsageError(commandName ? `unknown command "${groupName} ${commandName}"` : `give a ${groupName} command`);
    }
    help = commandHelp(groupName, commandName as string, command);
    if (args.includes('--help')) {
      io.out(help);
      return 0;
    }
    const parsed = parseCommandArgs(command, args);
    if (env === process.env) useEnvironment(envName);
    const context = createContext(envName, env, io);
    try {
      await command.run(parsed, context);
    } finally {
      await context.close();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${help}`);
      return 2;
    }
    io.err(error instanceof ConfigError ? error.message : `failed: ${(error as Error).message}`);
    return 1;
  }
}
