import { ConfigError } from '@bmx/aws-clients';
import { readBaseUrl, readInteger, readRequired, readText } from '@bmx/lambda-kit';
import { dhlAdapter, type DhlSettings } from './dhl';
import { fedexAdapter, type FedexSettings } from './fedex';
import { readBearerAuth } from './oauth';
import { royalMailAdapter, type RoyalMailSettings } from './royal-mail';
import { CARRIERS, type CarrierAdapter, type CarrierId } from './types';
import { upsAdapter, type UpsSettings } from './ups';
import { uspsAdapter, type UspsSettings } from './usps';

/** Every enabled carrier's settings. A carrier that is not enabled has no entry. */
export interface CarriersConfig {
  ups?: UpsSettings;
  usps?: UspsSettings;
  fedex?: FedexSettings;
  dhl?: DhlSettings;
  royal_mail?: RoyalMailSettings;
}

/** The production API roots, used when `<CARRIER>_API_BASE_URL` is not set. */
export const DEFAULT_BASE_URLS: Readonly<Record<CarrierId, string>> = {
  ups: 'https://onlinetools.ups.com',
  usps: 'https://apis.usps.com',
  fedex: 'https://apis.fedex.com',
  dhl: 'https://api-eu.dhl.com',
  royal_mail: 'https://api.royalmail.net',
};

/** Default for `CARRIER_TIMEOUT_MS`. */
export const DEFAULT_CARRIER_TIMEOUT_MS = 10_000;

function enabledCarriers(env: NodeJS.ProcessEnv): CarrierId[] {
  const raw = readText(env, 'TRACKING_CARRIERS');
  if (!raw) return [...CARRIERS];
  // For stacks with no carrier access (a local demo): every book's message is acknowledged with a warning.
  if (raw.toLowerCase() === 'none') return [];
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names) {
    if (!(CARRIERS as readonly string[]).includes(name)) {
      throw new ConfigError('TRACKING_CARRIERS', `unknown carrier "${name}"; use a comma-separated list of ${CARRIERS.join(', ')}, or none`);
    }
  }
  return names as CarrierId[];
}

/**
 * Reads the settings of every enabled carrier (`TRACKING_CARRIERS`, default all). An enabled carrier must have its
 * credentials: a missing one fails start-up naming the variable. Credentials are kept only in these objects.
 */
export function loadCarriersConfig(env: NodeJS.ProcessEnv): CarriersConfig {
  const timeoutMs = readInteger(env, 'CARRIER_TIMEOUT_MS', DEFAULT_CARRIER_TIMEOUT_MS, { min: 100, max: 60_000 });
  const config: CarriersConfig = {};
  for (const carrier of enabledCarriers(env)) {
    const prefix = carrier.toUpperCase();
    const baseUrl = readBaseUrl(env, `${prefix}_API_BASE_URL`, DEFAULT_BASE_URLS[carrier]);
    switch (carrier) {
      case 'ups':
      case 'usps':
      case 'fedex': {
        const auth = readBearerAuth(env, prefix);
        if ('missing' in auth) {
          throw new ConfigError(
            auth.missing,
            `is required: set ${prefix}_ACCESS_TOKEN, or ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET for OAuth`,
          );
        }
        config[carrier] = { baseUrl, timeoutMs, auth };
        break;
      }
      case 'dhl':
        config.dhl = {
          baseUrl,
          timeoutMs,
          apiKey: readRequired(env, 'DHL_API_KEY', 'the DHL-API-Key for Shipment Tracking – Unified'),
        };
        break;
      case 'royal_mail':
        config.royal_mail = {
          baseUrl,
          timeoutMs,
          clientId: readRequired(env, 'ROYAL_MAIL_CLIENT_ID', 'the X-IBM-Client-Id for the Royal Mail Tracking API'),
          clientSecret: readRequired(env, 'ROYAL_MAIL_CLIENT_SECRET', 'the X-IBM-Client-Secret for the Royal Mail Tracking API'),
        };
        break;
    }
  }
  return config;
}

/** One adapter per enabled carrier. */
export function createAdapters(config: CarriersConfig): Partial<Record<CarrierId, CarrierAdapter>> {
  const adapters: Partial<Record<CarrierId, CarrierAdapter>> = {};
  if (config.ups) adapters.ups = upsAdapter(config.ups);
  if (config.usps) adapters.usps = uspsAdapter(config.usps);
  if (config.fedex) adapters.fedex = fedexAdapter(config.fedex);
  if (config.dhl) adapters.dhl = dhlAdapter(config.dhl);
  if (config.royal_mail) adapters.royal_mail = royalMailAdapter(config.royal_mail);
  return adapters;
}
