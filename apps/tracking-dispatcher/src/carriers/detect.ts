import { CARRIERS, type CarrierId } from './types';

/**
 * Carrier detection from the tracking number's shape. The rules are checked in this order, and the order is what
 * keeps every pattern reachable where two carriers' formats overlap:
 *
 * 1. UPS: `1Z` + 16 letters/digits. Unique (letters), checked first.
 * 2. Royal Mail: `AA999999999GB` (UPU S10: two letters, nine digits, GB). Unique (letters).
 * 3. USPS by prefix: 20 to 34 digits starting 92, 93 or 94 (Intelligent Mail package barcodes, including the
 *    26/30/34-digit forms that carry a routing code).
 * 4. USPS by length: 21 or 22 digits (any prefix). No other carrier uses those lengths.
 * 5. FedEx: 12, 15 or 20 digits. **Overlap resolved:** the issue gives USPS "20–22 digits" and FedEx "20 digits".
 *    A 20-digit number starting 92/93/94 is USPS (rule 3, the IMpb prefix; FedEx Ground Economy numbers that
 *    start 92 are handed to USPS for delivery anyway); any other 20-digit number is FedEx. Without this split one
 *    of the two 20-digit rules could never match.
 * 6. DHL: 10 digits (DHL Express waybill). Unique length.
 *
 * Spaces and dashes are ignored, letters are compared upper-case. Anything else is undetected (`null`).
 */
export function detectCarrier(trackingNumber: string): CarrierId | null {
  const n = normaliseTrackingNumber(trackingNumber);
  if (/^1Z[0-9A-Z]{16}$/.test(n)) return 'ups';
  if (/^[A-Z]{2}\d{9}GB$/.test(n)) return 'royal_mail';
  if (/^9[234]\d{18,32}$/.test(n)) return 'usps';
  if (/^\d{21,22}$/.test(n)) return 'usps';
  if (/^(\d{12}|\d{15}|\d{20})$/.test(n)) return 'fedex';
  if (/^\d{10}$/.test(n)) return 'dhl';
  return null;
}

/** The number as carriers expect it: no spaces or dashes, upper case. */
export function normaliseTrackingNumber(trackingNumber: string): string {
  return trackingNumber.replace(/[\s-]+/g, '').toUpperCase();
}

const ALIASES: Record<string, CarrierId> = {
  ups: 'ups',
  usps: 'usps',
  fedex: 'fedex',
  'fed ex': 'fedex',
  dhl: 'dhl',
  'dhl express': 'dhl',
  royal_mail: 'royal_mail',
  'royal mail': 'royal_mail',
  royalmail: 'royal_mail',
  'royal-mail': 'royal_mail',
};

/** A stored `tracking_carrier` value as a carrier id (accepting display names), or null when it names none. */
export function parseCarrier(value: string | null | undefined): CarrierId | null {
  if (!value) return null;
  const key = value.trim().toLowerCase();
  return ALIASES[key] ?? ((CARRIERS as readonly string[]).includes(key) ? (key as CarrierId) : null);
}

/** The book's carrier: an explicitly stored one wins, else the one its number's shape says. */
export function carrierForBook(book: { tracking_carrier: string | null; tracking_number: string | null }): CarrierId | null {
  return parseCarrier(book.tracking_carrier) ?? (book.tracking_number ? detectCarrier(book.tracking_number) : null);
}
