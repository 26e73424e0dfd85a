import type { Database } from './schema';
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';

/** One statement the app ran: its SQL (PostgreSQL dialect) and parameters. */
export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

/** Rows for a statement, or undefined for none. */
export type Answer = (statement: Statement) => readonly Record<string, unknown>[] | undefined;

/**
 * A Kysely on no database, for unit tests of routes: every statement is compiled as for PostgreSQL, recorded in
 * `statements`, and answered with the rows `answer` gives (none when it gives nothing; writes affect no rows).
 * Transactions are statements too (`begin`, `commit`, `rollback`).
 */
export function fakeDatabase(answer: Answer): { db: Kysely<Database>; statements: Statement[] } {
  const statements: Statement[] = [];
  const run = (statement: Statement): QueryResult<Record<string, unknown>> => {
    statements.push(statement);
    return { rows: [...(answer(statement) ?? [])], numAffectedRows: 0n };
  };
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery) {
      return run({ sql: query.sql, parameters: query.parameters }) as QueryResult<R>;
    },
    // eslint-disable-next-line require-yield
    async *streamQuery() {
      throw new Error('the fake database does not stream');
    },
  };
  // Nothing to open, release or close.
  const nothing = async () => undefined;
  const driver: Driver = {
    init: nothing,
    async acquireConnection() {
      return connection;
    },
    async beginTransaction() {
      run({ sql: 'begin', parameters: [] });
    },
    async commitTransaction() {
      run({ sql: 'commit', parameters: [] });
    },
    async rollbackTransaction() {
      run({ sql: 'rollback', parameters: [] });
    },
    releaseConnection: nothing,
    destroy: nothing,
  };
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return { db, statements };
}
