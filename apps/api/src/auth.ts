import { API_KEY_ROLES, hashApiKey, type ApiKeyRole, type Database, type Kysely } from '@bmx/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors';

/** The header clients send their key in. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * What a route needs: `public` (anyone), `read` (viewer, or anyone when reads are public), or a minimum role.
 * Set on a route as `config: { access: 'editor' }`; a route without it is `read` when GET/HEAD, else `editor`.
 */
export type RouteAccess = 'public' | 'read' | ApiKeyRole;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; see {@link RouteAccess}. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The caller's key, once authenticated. */
    apiKey?: { id: number; name: string; role: ApiKeyRole };
  }
}

// Keys are made, listed and revoked in @bmx/db (the admin CLI uses them too); re-exported for the API's callers.
export { createApiKey, hashApiKey, type CreateApiKeyOptions } from '@bmx/db';

const rank = (role: ApiKeyRole) => API_KEY_ROLES.indexOf(role);

function accessOf(request: FastifyRequest): RouteAccess {
  const configured = request.routeOptions.config?.access;
  if (configured) return configured;
  return request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'editor';
}

/**
 * Checks `X-API-Key` on every route: 401 without a valid key, 403 when its role is too weak. Runs before
 * body parsing, so an unauthenticated upload is refused before its bytes are read.
 */
export function registerAuth(app: FastifyInstance, db: Kysely<Database>, options: { publicReads: boolean }): void {
  app.addHook('onRequest', async (request) => {
    // Unknown routes fall through to the 404 handler; the docs are public.
    const route = request.routeOptions.url;
    if (!route || route === '/docs' || route.startsWith('/docs/')) return;
    const access = accessOf(request);
    if (access === 'public' || (access === 'read' && options.publicReads)) return;

    const header = request.headers[API_KEY_HEADER];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) throw new HttpError(401, `Send an API key in the X-API-Key header`, 'headers.x-api-key', { 'WWW-Authenticate': 'ApiKey' });
    const row = await db
      .selectFrom('api_keys')
      .select(['id', 'name', 'role'])
      .where('key_hash', '=', hashApiKey(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new HttpError(401, 'The API key is not valid or has been revoked', 'headers.x-api-key', { 'WWW-Authenticate': 'ApiKey' });
    request.apiKey = row;
    const needed: ApiKeyRole = access === 'read' ? 'viewer' : access;
    if (rank(row.role) < rank(needed)) {
      throw new HttpError(403, `This needs the ${needed} role; the key has ${row.role}`);
    }
  });
}
