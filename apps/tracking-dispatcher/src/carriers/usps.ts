import { CarrierError } from './errors';
import { dig, rejected, requestCarrier, str } from './http';
import { tokenSource, withToken, type BearerAuth } from './oauth';
import type { CarrierAdapter, TrackingResult, TrackingStatus } from './types';

/** Settings for the USPS Tracking API v3. */
export interface UspsSettings {
  /** e.g. `https://apis.usps.com`. */
  baseUrl: string;
  /** A ready bearer token, or OAuth client credentials to get one. */
  auth: BearerAuth;
  timeoutMs: number;
}

/** USPS `statusCategory` values, compared case-insensitively. */
const BY_CATEGORY: Record<string, TrackingStatus> = {
  'pre-shipment': 'Pending',
  'pre-transit': 'Pending',
  'label created': 'Pending',
  accepted: 'In Transit',
  'in transit': 'In Transit',
  'in-transit': 'In Transit',
  'available for pickup': 'In Transit',
  'out for delivery': 'Out for Delivery',
  delivered: 'Delivered',
  alert: 'Exception',
  'delivery attempt': 'Exception',
  'return to sender': 'Exception',
  'returned to sender': 'Exception',
  undeliverable: 'Exception',
};

/** Normalises a USPS `statusCategory`. */
export function normaliseUspsCategory(category: string | undefined): TrackingStatus {
  return BY_CATEGORY[(category ?? '').trim().toLowerCase()] ?? 'Unknown';
}

/** Reads a Tracking v3 answer: top-level `statusCategory`, `status`/`statusSummary`. */
export function parseUspsResponse(body: unknown): TrackingResult {
  const category = str(dig(body, 'statusCategory'));
  if (!category) throw new CarrierError('usps', 'malformed', 'no statusCategory');
  return {
    status: normaliseUspsCategory(category),
    detail: str(dig(body, 'status')) ?? str(dig(body, 'statusSummary')) ?? null,
  };
}

/** The USPS adapter: `GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL` with a bearer token. */
export function uspsAdapter(settings: UspsSettings): CarrierAdapter {
  const tokens = tokenSource('usps', settings.auth, settings);
  return {
    carrier: 'usps',
    async track(trackingNumber) {
      const response = await withToken(tokens, (bearer) =>
        requestCarrier({
          carrier: 'usps',
          url: `${settings.baseUrl}/tracking/v3/tracking/${encodeURIComponent(trackingNumber)}?expand=DETAIL`,
          headers: { authorization: `Bearer ${bearer}` },
          timeoutMs: settings.timeoutMs,
        }),
      );
      if (response.status >= 400) throw rejected('usps', response, str(dig(response.body, 'error', 'message')));
      return parseUspsResponse(response.body);
    },
  };
}
