import { migrateToLatest, migrationStatus, type Kysely } from '@bmx/db';
import type { CommandGroup } from '../command';
import { UsageError } from '../context';

const noArguments = (positionals: string[]) => {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
};

/** `admin db migrate|status`: the schema the code in this checkout expects. */
export const dbCommands: CommandGroup = {
  summary: 'the database schema: apply pending migrations, or show which have run',
  commands: {
    migrate: {
      usage: '',
      summary: 'Applies every pending migration, in order, and prints the name of each one applied.',
      async run({ positionals }, context) {
        noArguments(positionals);
        const applied = await migrateToLatest((await context.database()) as Kysely<unknown>);
        for (const name of applied) context.out(name);
        context.err(applied.length > 0 ? `applied ${applied.length} migration(s)` : 'the schema is up to date');
      },
    },
    status: {
      usage: '',
      summary: 'Prints one JSON line per migration the code knows: name, executed_at (null while pending).',
      async run({ positionals }, context) {
        noArguments(positionals);
        const states = await migrationStatus((await context.database()) as Kysely<unknown>);
        for (const state of states) context.out(JSON.stringify({ name: state.name, executed_at: state.executedAt ?? null }));
        const pending = states.filter((state) => !state.executedAt).length;
        context.err(pending > 0 ? `${pending} pending: run \`npm run admin -- db migrate\`` : 'the schema is up to date');
      },
    },
  },
};
