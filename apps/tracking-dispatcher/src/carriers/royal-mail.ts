import { CarrierError } from './errors';
import { dig, rejected, requestCarrier, str } from './http';
import type { CarrierAdapter, TrackingResult, TrackingStatus } from './types';

/** Settings for the Royal Mail Tracking API v2. */
export interface RoyalMailSettings {
  /** e.g. `https://api.royalmail.net`. */
  baseUrl: string;
  /** Sent as `X-IBM-Client-Id`. */
  clientId: string;
  /** Sent as `X-IBM-Client-Secret`. */
  clientSecret: string;
  timeoutMs: number;
}

/** Royal Mail event codes (`summary.lastEventCode`) we know; the status category covers the rest. */
const BY_EVENT: Record<string, TrackingStatus> = {
  EVKSP: 'Delivered', // delivered and signed for
  EVKSF: 'Delivered', // delivered to safeplace
  EVKOP: 'Delivered', // delivered
  EVKLS: 'Delivered', // delivered to neighbour
  EVGPD: 'Out for Delivery', // due to be delivered today
  EVKNA: 'Exception', // delivery attempted, no answer
  EVNDA: 'Exception', // available for redelivery or collection
  EVNRT: 'Exception', // returned to sender
  EVPPA: 'Pending', // sender despatching soon
};

/** Royal Mail `summary.statusCategory` values. */
const BY_CATEGORY: Record<string, TrackingStatus> = {
  'pre-advice': 'Pending',
  'awaiting despatch': 'Pending',
  'in transit': 'In Transit',
  'awaiting collection': 'In Transit',
  'out for delivery': 'Out for Delivery',
  delivered: 'Delivered',
  'delivery failed': 'Exception',
  returned: 'Exception',
  'return to sender': 'Exception',
  exception: 'Exception',
};

/** Normalises a Royal Mail summary: the event code when we know it, else the status category. */
export function normaliseRoyalMailSummary(summary: { lastEventCode?: string; statusCategory?: string }): TrackingStatus {
  return BY_EVENT[(summary.lastEventCode ?? '').toUpperCase()] ?? BY_CATEGORY[(summary.statusCategory ?? '').trim().toLowerCase()] ?? 'Unknown';
}

/** Reads `mailPieces.summary`. */
export function parseRoyalMailResponse(body: unknown): TrackingResult {
  const summary = dig(body, 'mailPieces', 'summary') as
    | { lastEventCode?: string; lastEventName?: string; statusCategory?: string; statusDescription?: string; summaryLine?: string }
    | undefined;
  if (!summary || (!str(summary.lastEventCode) && !str(summary.statusCategory))) {
    throw new CarrierError('royal_mail', 'malformed', 'no mailPieces.summary with lastEventCode or statusCategory');
  }
  return {
    status: normaliseRoyalMailSummary(summary),
    detail: str(summary.summaryLine) ?? str(summary.lastEventName) ?? str(summary.statusDescription) ?? null,
  };
}

/** The Royal Mail adapter: `GET /mailpieces/v2/{mailPieceId}/events` with the IBM client id/secret headers. */
export function royalMailAdapter(settings: RoyalMailSettings): CarrierAdapter {
  return {
    carrier: 'royal_mail',
    async track(trackingNumber) {
      const response = await requestCarrier({
        carrier: 'royal_mail',
        url: `${settings.baseUrl}/mailpieces/v2/${encodeURIComponent(trackingNumber)}/events`,
        headers: {
          'X-IBM-Client-Id': settings.clientId,
          'X-IBM-Client-Secret': settings.clientSecret,
          'X-Accept-RMG-Terms': 'yes',
        },
        timeoutMs: settings.timeoutMs,
      });
      if (response.status >= 400) {
        throw rejected('royal_mail', response, str(dig(response.body, 'errors', 0, 'errorDescription')) ?? str(dig(response.body, 'httpMessage')));
      }
      return parseRoyalMailResponse(response.body);
    },
  };
}
