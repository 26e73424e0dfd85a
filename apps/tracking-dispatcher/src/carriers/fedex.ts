import { CarrierError } from './errors';
import { dig, rejected, requestCarrier, str } from './http';
import { tokenSource, withToken, type BearerAuth } from './oauth';
import type { CarrierAdapter, TrackingResult, TrackingStatus } from './types';

/** Settings for the FedEx Track API v1. */
export interface FedexSettings {
  /** e.g. `https://apis.fedex.com`. */
  baseUrl: string;
  /** A ready bearer token, or OAuth client credentials to get one. */
  auth: BearerAuth;
  timeoutMs: number;
}

/** FedEx `latestStatusDetail.code` / `derivedCode` values. */
const BY_CODE: Record<string, TrackingStatus> = {
  OC: 'Pending', // shipment information sent to FedEx (label created)
  PU: 'In Transit',
  IT: 'In Transit',
  AR: 'In Transit',
  AF: 'In Transit',
  DP: 'In Transit',
  FD: 'In Transit',
  HL: 'In Transit', // held at location for pickup
  IN: 'Pending', // initiated (FedEx's derivedCode for a created label)
  PL: 'In Transit',
  PM: 'In Transit',
  CC: 'In Transit',
  CD: 'In Transit',
  CP: 'In Transit',
  EP: 'In Transit',
  OF: 'In Transit',
  TR: 'In Transit',
  SF: 'In Transit',
  OD: 'Out for Delivery',
  DL: 'Delivered',
  DE: 'Exception', // delivery exception
  SE: 'Exception', // shipment exception
  CA: 'Exception', // cancelled
  RS: 'Exception', // return to shipper
  DY: 'Exception', // delay
  DD: 'Exception', // delivery delay
  CH: 'Exception', // location changed
};

/** Normalises a FedEx status code, preferring `derivedCode` (FedEx's own simplification of `code`). */
export function normaliseFedexStatus(detail: { code?: string; derivedCode?: string }): TrackingStatus {
  for (const code of [detail.derivedCode, detail.code]) {
    const status = BY_CODE[(code ?? '').toUpperCase()];
    if (status) return status;
  }
  return 'Unknown';
}

/** Reads `output.completeTrackResults[0].trackResults[0]`: its `error`, else `latestStatusDetail`. */
export function parseFedexResponse(body: unknown): TrackingResult {
  const result = dig(body, 'output', 'completeTrackResults', 0, 'trackResults', 0);
  if (result === undefined) throw new CarrierError('fedex', 'malformed', 'no output.completeTrackResults[0].trackResults[0]');
  // FedEx answers 200 per number, with an error object for numbers it cannot track.
  const errorCode = str(dig(result, 'error', 'code'));
  if (errorCode) {
    const kind = /NOTFOUND|NOT\.FOUND/i.test(errorCode) ? 'not_found' : 'rejected';
    throw new CarrierError('fedex', kind, `${errorCode}${str(dig(result, 'error', 'message')) ? `: ${dig(result, 'error', 'message')}` : ''}`);
  }
  const latest = dig(result, 'latestStatusDetail') as
    | {
        code?: string;
        derivedCode?: string;
        description?: string;
        statusByLocale?: string;
      }
    | undefined;
  if (!latest || (!str(latest.code) && !str(latest.derivedCode))) throw new CarrierError('fedex', 'malformed', 'no latestStatusDetail code');
  return {
    status: normaliseFedexStatus(latest),
    detail: str(latest.description) ?? str(latest.statusByLocale) ?? null,
  };
}

/** The FedEx adapter: `POST /track/v1/trackingnumbers` with a bearer token. */
export function fedexAdapter(settings: FedexSettings): CarrierAdapter {
  const tokens = tokenSource('fedex', settings.auth, settings);
  return {
    carrier: 'fedex',
    async track(trackingNumber) {
      const response = await withToken(tokens, (bearer) =>
        requestCarrier({
          carrier: 'fedex',
          url: `${settings.baseUrl}/track/v1/trackingnumbers`,
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'x-locale': 'en_US' },
          body: {
            includeDetailedScans: false,
            trackingInfo: [{ trackingNumberInfo: { trackingNumber } }],
          },
          timeoutMs: settings.timeoutMs,
        }),
      );
      if (response.status >= 400) throw rejected('fedex', response, str(dig(response.body, 'errors', 0, 'code')));
      return parseFedexResponse(response.body);
    },
  };
}
