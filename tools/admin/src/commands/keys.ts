import { invokeJson } from '@bmx/aws-clients';
import { API_KEY_ROLES, createApiKey, listApiKeys, revokeApiKey, type ApiKeyRole } from '@bmx/db';
import { positiveInteger, type CommandGroup } from '../command';
import { UsageError } from '../context';

/**
 * Asks the environment's `bmx-<env>-db-admin` function (live alias) for the key: on AWS the database is private to
 * the VPC, and that function is the one thing outside it that reaches it. A failed invocation says which function
 * and, for the two usual causes, what to check.
 */
async function createThroughLambda(envName: string, request: { name: string; role: ApiKeyRole }): Promise<{ id: number; key: string; role: ApiKeyRole }> {
  const functionName = `bmx-${envName}-db-admin`;
  try {
    return await invokeJson<{ id: number; key: string; role: ApiKeyRole }>(functionName, { create_api_key: request }, { profile: 'longCall', qualifier: 'live' });
  } catch (error) {
    const { name, message } = error as Error;
    const hint =
      name === 'ResourceNotFoundException'
        ? ` (is the api app deployed to ${envName}? \`nx deploy api --env ${envName}\`)`
        : name === 'AccessDeniedException'
          ? ` (the caller needs lambda:InvokeFunction on ${functionName}:live)`
          : '';
    throw new Error(`${functionName}:live did not make the key: ${message}${hint}`, { cause: error });
  }
}

/** `admin keys create|list|revoke`: the API's keys (only their SHA-256 is stored). */
export const keysCommands: CommandGroup = {
  summary: 'API keys: create one (shown once), list them, revoke one (the API refuses it at once)',
  commands: {
    create: {
      usage: '<name> --role viewer|editor|admin',
      summary: 'Creates a key and prints it on stdout, once; only its SHA-256 is stored.',
      options: {
        role: { type: 'string', help: `${API_KEY_ROLES.join('|')} (required)` },
        'through-lambda': { type: 'boolean', help: "make it through the environment's bmx-<env>-db-admin function (AWS: the database is private to the VPC)" },
      },
      async run({ values, positionals }, context) {
        const [name, ...extra] = positionals;
        if (!name?.trim() || extra.length > 0) throw new UsageError(`give exactly one key name: keys create <name> --role ${API_KEY_ROLES.join('|')}${extra.length > 0 ? ` (got ${positionals.length}: ${positionals.join(' ')})` : ''}`);
        const role = values['role'];
        if (role === undefined) throw new UsageError(`--role is required: one of ${API_KEY_ROLES.join(', ')}`);
        if (typeof role !== 'string' || !API_KEY_ROLES.includes(role as ApiKeyRole)) throw new UsageError(`--role must be one of ${API_KEY_ROLES.join(', ')} (got "${String(role)}")`);
        const created =
          values['through-lambda'] === true
            ? await createThroughLambda(context.envName, { name, role: role as ApiKeyRole })
            : await createApiKey(await context.database(), { name, role: role as ApiKeyRole });
        context.out(created.key);
        context.err(`created ${created.role} key "${name}" (id ${created.id}); it is shown only this once`);
      },
    },
    list: {
      usage: '[--active]',
      summary: 'Prints one JSON line per key: id, name, role, created_at, revoked_at (never the key or its hash).',
      options: { active: { type: 'boolean', help: 'only keys not revoked' } },
      async run({ values, positionals }, context) {
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        for (const key of await listApiKeys(await context.database(), { activeOnly: values['active'] === true })) context.out(JSON.stringify(key));
      },
    },
    revoke: {
      usage: '<id>',
      summary: 'Revokes the key with that id (see `keys list`): sets revoked_at; the API answers 401 to it from then on.',
      async run({ positionals }, context) {
        if (positionals.length !== 1) throw new UsageError('give exactly one key id');
        const id = positiveInteger(positionals[0], 'the key id');
        const key = await revokeApiKey(await context.database(), id);
        if (!key) throw new UsageError(`no API key has id ${id}`);
        context.out(JSON.stringify(key));
      },
    },
  },
};
