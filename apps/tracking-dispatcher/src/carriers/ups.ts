import { randomUUID } from 'node:crypto';
import { CarrierError } from './errors';
import { dig, rejected, requestCarrier, str } from './http';
import { tokenSource, withToken, type BearerAuth } from './oauth';
import type { CarrierAdapter, TrackingResult, TrackingStatus } from './types';

/** Settings for the UPS Tracking API v1. */
export interface UpsSettings {
  /** e.g. `https://onlinetools.ups.com`. */
  baseUrl: string;
  /** A ready bearer token, or OAuth client credentials to get one. */
  auth: BearerAuth;
  timeoutMs: number;
}

/**
 * UPS activity status types (Track API v1 `activity[].status.type`): D delivered, I in transit, P picked up,
 * M/MV manifest (label created), X exception, RS returned to shipper, O out for delivery (older responses).
 */
const BY_TYPE: Record<string, TrackingStatus> = {
  D: 'Delivered',
  I: 'In Transit',
  P: 'In Transit',
  W: 'In Transit',
  O: 'Out for Delivery',
  M: 'Pending',
  MV: 'Pending',
  X: 'Exception',
  RS: 'Exception',
  NA: 'Unknown',
};

/** Normalises one UPS status object (`{type, code, description, statusCode}`). */
export function normaliseUpsStatus(status: { type?: string; description?: string; statusCode?: string }): TrackingStatus {
  // UPS reports "Out For Delivery Today" as type I with its own status code (021); the wording is the reliable part.
  if (status.statusCode === '021' || /out for delivery/i.test(status.description ?? '')) return 'Out for Delivery';
  return BY_TYPE[(status.type ?? '').toUpperCase()] ?? 'Unknown';
}

/** Reads a Track API v1 answer: `trackResponse.shipment[0].package[0]`, its `currentStatus` or latest `activity`. */
export function parseUpsResponse(body: unknown): TrackingResult {
  const shipment = dig(body, 'trackResponse', 'shipment', 0);
  if (shipment === undefined) throw new CarrierError('ups', 'malformed', 'no trackResponse.shipment[0]');
  const pkg = dig(shipment, 'package', 0);
  if (pkg === undefined) {
    // UPS answers 200 with a warning and no package for numbers it has not seen.
    const warning = str(dig(shipment, 'warnings', 0, 'message'));
    if (warning) throw new CarrierError('ups', 'not_found', warning);
    throw new CarrierError('ups', 'malformed', 'no package in trackResponse.shipment[0]');
  }
  const latest = dig(pkg, 'activity', 0, 'status') as { type?: string; description?: string; statusCode?: string } | undefined;
  const current = dig(pkg, 'currentStatus') as { code?: string; description?: string } | undefined;
  if (!latest && !current) throw new CarrierError('ups', 'malformed', 'package has neither activity nor currentStatus');
  const status = latest ? normaliseUpsStatus(latest) : normaliseUpsStatus({ description: current?.description });
  const detail = str(current?.description) ?? str(latest?.description) ?? null;
  return { status, detail };
}

/** The UPS adapter: `GET /api/track/v1/details/{inquiryNumber}` with a bearer token. */
export function upsAdapter(settings: UpsSettings): CarrierAdapter {
  const tokens = tokenSource('ups', settings.auth, settings);
  return {
    carrier: 'ups',
    async track(trackingNumber) {
      const response = await withToken(tokens, (bearer) =>
        requestCarrier({
          carrier: 'ups',
          url: `${settings.baseUrl}/api/track/v1/details/${encodeURIComponent(trackingNumber)}?locale=en_US&returnSignature=false`,
          headers: {
            authorization: `Bearer ${bearer}`,
            transId: randomUUID(),
            transactionSrc: 'bmx-tracking',
          },
          timeoutMs: settings.timeoutMs,
        }),
      );
      if (response.status >= 400) throw rejected('ups', response, str(dig(response.body, 'response', 'errors', 0, 'message')));
      return parseUpsResponse(response.body);
    },
  };
}
