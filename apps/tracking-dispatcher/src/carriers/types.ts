/** The carriers the worker can follow. The id is what `books.tracking_carrier` and `carrier_circuits.carrier` hold. */
export const CARRIERS = ['ups', 'usps', 'fedex', 'dhl', 'royal_mail'] as const;
export type CarrierId = (typeof CARRIERS)[number];

/** The statuses every carrier's answer is normalised to; this is what `books.tracking_status` holds. */
export const TRACKING_STATUSES = ['Pending', 'In Transit', 'Out for Delivery', 'Delivered', 'Exception', 'Unknown'] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

/** A carrier's answer, normalised. Only a successful, well-formed answer becomes one of these. */
export interface TrackingResult {
  status: TrackingStatus;
  /** The carrier's own wording or code of the latest event, for the event history. */
  detail: string | null;
}

/** Calls one carrier's tracking API. */
export interface CarrierAdapter {
  readonly carrier: CarrierId;
  /** Resolves with the normalised status, or rejects with `CarrierError`: never a made-up status. */
  track(trackingNumber: string): Promise<TrackingResult>;
}
