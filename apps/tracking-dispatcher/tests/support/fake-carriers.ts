// A stand-in for the five carriers' tracking APIs on 127.0.0.1, answering with the fixtures in tests/fixtures.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CARRIERS, type CarrierId } from '../../src/carriers/types';

/** A fixture name under tests/fixtures/<carrier>/. */
export type FixtureName = 'in-transit' | 'out-for-delivery' | 'delivered' | 'exception' | 'pending' | 'not-found' | 'error-401';

/** How the fake answers one request. */
export type FakeReply =
  | { fixture: FixtureName; status?: number }
  | { status: number; raw: string }
  | { hang: true };

/** One request the fake received. */
export interface SeenRequest {
  carrier: CarrierId;
  trackingNumber: string;
  method: string;
  headers: IncomingHttpHeaders;
}

/** One OAuth token request the fake answered. */
export interface TokenRequest {
  carrier: CarrierId;
  headers: IncomingHttpHeaders;
  body: string;
  /** The token it issued. */
  token: string;
}

export interface FakeCarriers {
  /** Base URL per carrier, to put in `<CARRIER>_API_BASE_URL`. */
  baseUrls: Record<CarrierId, string>;
  /** The variables a worker needs to use this fake: base URLs and placeholder credentials. */
  env: Record<string, string>;
  requests: SeenRequest[];
  /** OAuth client-credentials requests (`/security/v1/oauth/token`, `/oauth2/v3/token`, `/oauth/token`). */
  tokenRequests: TokenRequest[];
  /** Answer for token requests; default: a fresh token valid for an hour. */
  tokenReply: (carrier: CarrierId) => FakeReply | { token: string; expiresIn: number | string };
  /** Decides each answer; default: in-transit for everything. */
  reply: (carrier: CarrierId, trackingNumber: string) => FakeReply;
  close(): Promise<void>;
}

const TOKEN_PATHS: Partial<Record<CarrierId, string>> = { ups: 'security/v1/oauth/token', usps: 'oauth2/v3/token', fedex: 'oauth/token' };

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** The fixture's JSON text. */
export function fixture(carrier: CarrierId, name: FixtureName): string {
  return readFileSync(path.join(FIXTURES, carrier, `${name}.json`), 'utf8');
}

/** The status a fixture is served with when the test does not say. */
function defaultStatus(carrier: CarrierId, name: FixtureName): number {
  if (name === 'error-401') return 401;
  if (name === 'not-found') return carrier === 'ups' || carrier === 'fedex' ? 200 : 404;
  return 200;
}

function route(method: string, url: URL, body: string): { carrier: CarrierId; trackingNumber: string } | undefined {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const carrier = parts[0] as CarrierId;
  if (!(CARRIERS as readonly string[]).includes(carrier)) return undefined;
  const rest = parts.slice(1).join('/');
  let match: RegExpMatchArray | null;
  if (carrier === 'ups' && method === 'GET' && (match = rest.match(/^api\/track\/v1\/details\/(.+)$/))) return { carrier, trackingNumber: match[1]! };
  if (carrier === 'usps' && method === 'GET' && (match = rest.match(/^tracking\/v3\/tracking\/(.+)$/))) return { carrier, trackingNumber: match[1]! };
  if (carrier === 'royal_mail' && method === 'GET' && (match = rest.match(/^mailpieces\/v2\/(.+)\/events$/))) return { carrier, trackingNumber: match[1]! };
  if (carrier === 'dhl' && method === 'GET' && rest === 'track/shipments') return { carrier, trackingNumber: url.searchParams.get('trackingNumber') ?? '' };
  if (carrier === 'fedex' && method === 'POST' && rest === 'track/v1/trackingnumbers') {
    const parsed = JSON.parse(body) as { trackingInfo?: { trackingNumberInfo?: { trackingNumber?: string } }[] };
    return { carrier, trackingNumber: parsed.trackingInfo?.[0]?.trackingNumberInfo?.trackingNumber ?? '' };
  }
  return undefined;
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakeCarriers(): Promise<FakeCarriers> {
  let issued = 0;
  const fake = {
    requests: [] as SeenRequest[],
    tokenRequests: [] as TokenRequest[],
    tokenReply: (() => ({ token: `issued-${++issued}`, expiresIn: 3600 })) as FakeCarriers['tokenReply'],
    reply: (() => ({ fixture: 'in-transit' })) as FakeCarriers['reply'],
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const [carrier, ...rest] = url.pathname.split('/').filter(Boolean);
      if (req.method === 'POST' && carrier && TOKEN_PATHS[carrier as CarrierId] === rest.join('/')) {
        const reply = fake.tokenReply(carrier as CarrierId);
        if ('token' in reply) {
          fake.tokenRequests.push({ carrier: carrier as CarrierId, headers: req.headers, body, token: reply.token });
          const answer = { access_token: reply.token, token_type: 'Bearer', expires_in: reply.expiresIn };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        } else if ('raw' in reply) {
          fake.tokenRequests.push({ carrier: carrier as CarrierId, headers: req.headers, body, token: '' });
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.raw);
        }
        return;
      }
      const target = route(req.method ?? 'GET', url, body);
      if (!target) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such route in the fake"}');
        return;
      }
      fake.requests.push({ ...target, method: req.method ?? 'GET', headers: req.headers });
      const reply = fake.reply(target.carrier, target.trackingNumber);
      if ('hang' in reply) return; // never answers: the adapter's timeout must end it
      if ('raw' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.raw);
        return;
      }
      res.writeHead(reply.status ?? defaultStatus(target.carrier, reply.fixture), { 'content-type': 'application/json' });
      res.end(fixture(target.carrier, reply.fixture));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const root = `http://127.0.0.1:${port}`;
  const baseUrls = Object.fromEntries(CARRIERS.map((c) => [c, `${root}/${c}`])) as Record<CarrierId, string>;
  return Object.assign(fake, {
    baseUrls,
    env: {
      UPS_API_BASE_URL: baseUrls.ups,
      USPS_API_BASE_URL: baseUrls.usps,
      FEDEX_API_BASE_URL: baseUrls.fedex,
      DHL_API_BASE_URL: baseUrls.dhl,
      ROYAL_MAIL_API_BASE_URL: baseUrls.royal_mail,
      // Placeholders: the fake checks that they arrive, nothing more.
      UPS_ACCESS_TOKEN: 'test-ups-token',
      USPS_ACCESS_TOKEN: 'test-usps-token',
      FEDEX_ACCESS_TOKEN: 'test-fedex-token',
      DHL_API_KEY: 'test-dhl-key',
      ROYAL_MAIL_CLIENT_ID: 'test-rm-id',
      ROYAL_MAIL_CLIENT_SECRET: 'test-rm-secret',
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
