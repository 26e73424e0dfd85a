import type { CarrierId } from './types';

/**
 * Why a carrier call failed.
 * - `unavailable`: 5xx, 429, a network error or the timeout: the carrier is down or overloaded.
 * - `unauthorized`: 401/403: our credentials are wrong or expired.
 * - `malformed`: a 2xx whose body is not the documented shape.
 * - `not_found`: the carrier does not know this tracking number (yet).
 * - `rejected`: any other 4xx: the carrier refused this request.
 */
export type CarrierErrorKind = 'unavailable' | 'unauthorized' | 'malformed' | 'not_found' | 'rejected';

/** A failed carrier call. Never turned into a status: the book keeps its last real one. */
export class CarrierError extends Error {
  override readonly name = 'CarrierError';
  constructor(
    readonly carrier: CarrierId,
    readonly kind: CarrierErrorKind,
    message: string,
    /** HTTP status, when the carrier answered. */
    readonly httpStatus?: number,
  ) {
    super(`${carrier}: ${kind}: ${message}`);
  }

  /**
   * Whether this failure says something about the carrier as a whole, and so counts towards its circuit breaker.
   * An unknown tracking number or a refused request is about one parcel: it must not stop everyone's tracking.
   */
  get countsAgainstCarrier(): boolean {
    return this.kind === 'unavailable' || this.kind === 'unauthorized' || this.kind === 'malformed';
  }
}
