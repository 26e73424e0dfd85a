import { CarrierError } from './errors';
import { dig, requestCarrier, str } from './http';

/**
 * How an adapter authenticates: a ready bearer token from the environment, or OAuth 2.0 client credentials that
 * are exchanged for a token (cached until a minute before it expires).
 */
export type BearerAuth = { accessToken: string } | { clientId: string; clientSecret: string };

/** The token endpoint and request encoding per carrier, as each documents its client-credentials grant. */
const TOKEN_REQUESTS: Record<'ups' | 'usps' | 'fedex', { path: string; encoding: 'basic-form' | 'json' | 'form' }> = {
  // UPS: client id/secret as HTTP Basic, grant_type in a form body.
  ups: { path: '/security/v1/oauth/token', encoding: 'basic-form' },
  // USPS: everything in a JSON body.
  usps: { path: '/oauth2/v3/token', encoding: 'json' },
  // FedEx: everything in a form body.
  fedex: { path: '/oauth/token', encoding: 'form' },
};

/** Renew this long before the token's stated expiry, so a call never goes out with a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;

/** Gives an adapter its `Authorization` header value and lets it drop a token the carrier refused. */
export interface TokenSource {
  bearer(): Promise<string>;
  /** Forget the cached token (after a 401), so the next call fetches a new one. */
  invalidate(): void;
}

/** A {@link TokenSource} for `carrier`: static when a token is configured, else OAuth client credentials. */
export function tokenSource(
  carrier: 'ups' | 'usps' | 'fedex',
  auth: BearerAuth,
  options: { baseUrl: string; timeoutMs: number; clock?: () => number },
): TokenSource {
  if ('accessToken' in auth)
    return {
      bearer: async () => auth.accessToken,
      invalidate: () => undefined,
    };
  const clock = options.clock ?? Date.now;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    const { path, encoding } = TOKEN_REQUESTS[carrier];
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (encoding === 'form') {
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret);
    }
    const response = await requestCarrier({
      carrier,
      url: `${options.baseUrl}${path}`,
      method: 'POST',
      headers:
        encoding === 'basic-form'
          ? {
              authorization: `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`,
            }
          : {},
      rawBody:
        encoding === 'json'
          ? {
              contentType: 'application/json',
              text: JSON.stringify({
                grant_type: 'client_credentials',
                client_id: auth.clientId,
                client_secret: auth.clientSecret,
              }),
            }
          : {
              contentType: 'application/x-www-form-urlencoded',
              text: form.toString(),
            },
      timeoutMs: options.timeoutMs,
    });
    // The token endpoint refusing our client is a credentials problem, whatever 4xx it uses.
    if (response.status >= 400) throw new CarrierError(carrier, 'unauthorized', `token endpoint answered HTTP ${response.status}`, response.status);
    const token = str(dig(response.body, 'access_token'));
    if (!token) throw new CarrierError(carrier, 'malformed', 'token endpoint answered without access_token');
    // UPS sends expires_in as a string, the others as a number.
    const expiresIn = Number(dig(response.body, 'expires_in'));
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 5 * 60_000;
    cached = {
      token,
      renewAt: clock() + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS),
    };
    return token;
  };

  return {
    async bearer() {
      if (cached && clock() < cached.renewAt) return cached.token;
      // Concurrent calls share one token request.
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** Wraps a tracking call: a 401/403 means the token was refused, so it is dropped before the error goes up. */
export async function withToken<T>(tokens: TokenSource, call: (bearer: string) => Promise<T>): Promise<T> {
  const bearer = await tokens.bearer();
  try {
    return await call(bearer);
  } catch (error) {
    if (error instanceof CarrierError && error.kind === 'unauthorized') tokens.invalidate();
    throw error;
  }
}

/** Reads `<PREFIX>_ACCESS_TOKEN`, else `<PREFIX>_CLIENT_ID` + `<PREFIX>_CLIENT_SECRET`; else names the missing variable. */
export function readBearerAuth(env: NodeJS.ProcessEnv, prefix: string): BearerAuth | { missing: string } {
  const accessToken = env[`${prefix}_ACCESS_TOKEN`]?.trim();
  if (accessToken) return { accessToken };
  const clientId = env[`${prefix}_CLIENT_ID`]?.trim();
  const clientSecret = env[`${prefix}_CLIENT_SECRET`]?.trim();
  if (clientId && clientSecret) return { clientId, clientSecret };
  if (clientId) return { missing: `${prefix}_CLIENT_SECRET` };
  return { missing: `${prefix}_ACCESS_TOKEN` };
}
