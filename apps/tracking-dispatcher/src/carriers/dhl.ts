import { CarrierError } from './errors';
import { dig, rejected, requestCarrier, str } from './http';
import type { CarrierAdapter, TrackingResult, TrackingStatus } from './types';

/** Settings for the DHL Shipment Tracking – Unified API. */
export interface DhlSettings {
  /** e.g. `https://api-eu.dhl.com`. */
  baseUrl: string;
  /** Sent as the `DHL-API-Key` header. */
  apiKey: string;
  timeoutMs: number;
}

/** DHL's own status codes (`shipments[].status.statusCode`). */
const BY_CODE: Record<string, TrackingStatus> = {
  'pre-transit': 'Pending',
  transit: 'In Transit',
  delivered: 'Delivered',
  failure: 'Exception',
  unknown: 'Unknown',
};

/** Normalises a DHL status; "transit" whose wording says the courier has it becomes Out for Delivery. */
export function normaliseDhlStatus(status: { statusCode?: string; status?: string; description?: string }): TrackingStatus {
  const normalised = BY_CODE[(status.statusCode ?? '').toLowerCase()] ?? 'Unknown';
  const words = `${status.status ?? ''} ${status.description ?? ''}`;
  if (normalised === 'In Transit' && /out for delivery|with delivery courier/i.test(words)) return 'Out for Delivery';
  return normalised;
}

/** Reads `shipments[0].status`. */
export function parseDhlResponse(body: unknown): TrackingResult {
  const status = dig(body, 'shipments', 0, 'status') as { statusCode?: string; status?: string; description?: string } | undefined;
  if (!status || !str(status.statusCode)) throw new CarrierError('dhl', 'malformed', 'no shipments[0].status.statusCode');
  return { status: normaliseDhlStatus(status), detail: str(status.description) ?? str(status.status) ?? null };
}

/** The DHL adapter: `GET /track/shipments?trackingNumber=…` with the `DHL-API-Key` header. */
export function dhlAdapter(settings: DhlSettings): CarrierAdapter {
  return {
    carrier: 'dhl',
    async track(trackingNumber) {
      const response = await requestCarrier({
        carrier: 'dhl',
        url: `${settings.baseUrl}/track/shipments?trackingNumber=${encodeURIComponent(trackingNumber)}`,
        headers: { 'DHL-API-Key': settings.apiKey },
        timeoutMs: settings.timeoutMs,
      });
      // Errors are RFC 7807 problem documents: {title, status, detail}.
      if (response.status >= 400) throw rejected('dhl', response, str(dig(response.body, 'detail')) ?? str(dig(response.body, 'title')));
      return parseDhlResponse(response.body);
    },
  };
}
