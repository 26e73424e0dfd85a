// Each carrier's documented response shapes (tests/fixtures) → the normalised status, and shapes that are not theirs.
import { parseDhlResponse, normaliseDhlStatus } from '../../src/carriers/dhl';
import { CarrierError } from '../../src/carriers/errors';
import { parseFedexResponse, normaliseFedexStatus } from '../../src/carriers/fedex';
import { parseRoyalMailResponse, normaliseRoyalMailSummary } from '../../src/carriers/royal-mail';
import type { CarrierId, TrackingResult, TrackingStatus } from '../../src/carriers/types';
import { normaliseUpsStatus, parseUpsResponse } from '../../src/carriers/ups';
import { normaliseUspsCategory, parseUspsResponse } from '../../src/carriers/usps';
import { fixture, type FixtureName } from '../support/fake-carriers';

const PARSERS: Record<CarrierId, (body: unknown) => TrackingResult> = {
  ups: parseUpsResponse,
  usps: parseUspsResponse,
  fedex: parseFedexResponse,
  dhl: parseDhlResponse,
  royal_mail: parseRoyalMailResponse,
};

const EXPECTED: [FixtureName, TrackingStatus][] = [
  ['pending', 'Pending'],
  ['in-transit', 'In Transit'],
  ['out-for-delivery', 'Out for Delivery'],
  ['delivered', 'Delivered'],
  ['exception', 'Exception'],
];

describe.each(Object.keys(PARSERS) as CarrierId[])('%s responses', (carrier) => {
  it.each(EXPECTED)('%s fixture → %s', (name, status) => {
    const result = PARSERS[carrier](JSON.parse(fixture(carrier, name)));
    expect(result.status).toBe(status);
    expect(typeof result.detail).toBe('string');
  });

  it.each([{}, { unrelated: true }, [], { shipments: [] }, { trackResponse: {} }, { output: {} }, { mailPieces: {} }])(
    'refuses a body that is not its shape: %j',
    (body) => {
      expect(() => PARSERS[carrier](body)).toThrow(CarrierError);
    },
  );
});

describe('not-found answers given with HTTP 200', () => {
  it('UPS warning without a package is not_found', () => {
    expect(() => parseUpsResponse(JSON.parse(fixture('ups', 'not-found')))).toThrow(expect.objectContaining({ kind: 'not_found' }));
  });
  it('FedEx per-number error is not_found', () => {
    expect(() => parseFedexResponse(JSON.parse(fixture('fedex', 'not-found')))).toThrow(expect.objectContaining({ kind: 'not_found' }));
  });
});

describe('status tables', () => {
  it('UPS: type codes and the out-for-delivery wording', () => {
    expect(normaliseUpsStatus({ type: 'D' })).toBe('Delivered');
    expect(normaliseUpsStatus({ type: 'I', description: 'Out For Delivery Today' })).toBe('Out for Delivery');
    expect(normaliseUpsStatus({ type: 'RS' })).toBe('Exception');
    expect(normaliseUpsStatus({ type: 'ZZ' })).toBe('Unknown');
  });
  it('USPS: categories, case-insensitive', () => {
    expect(normaliseUspsCategory('DELIVERED')).toBe('Delivered');
    expect(normaliseUspsCategory('Delivery Attempt')).toBe('Exception');
    expect(normaliseUspsCategory('Something new')).toBe('Unknown');
  });
  it('FedEx: derivedCode first, then code', () => {
    expect(normaliseFedexStatus({ code: 'XX', derivedCode: 'DL' })).toBe('Delivered');
    expect(normaliseFedexStatus({ code: 'OD' })).toBe('Out for Delivery');
    expect(normaliseFedexStatus({ code: 'ZZ' })).toBe('Unknown');
  });
  it('DHL: statusCode, with courier wording as Out for Delivery', () => {
    expect(normaliseDhlStatus({ statusCode: 'transit', status: 'WITH DELIVERY COURIER' })).toBe('Out for Delivery');
    expect(normaliseDhlStatus({ statusCode: 'failure' })).toBe('Exception');
    expect(normaliseDhlStatus({ statusCode: 'unknown' })).toBe('Unknown');
  });
  it('Royal Mail: event code first, then category', () => {
    expect(normaliseRoyalMailSummary({ lastEventCode: 'EVKSF', statusCategory: 'IN TRANSIT' })).toBe('Delivered');
    expect(normaliseRoyalMailSummary({ lastEventCode: 'EVXYZ', statusCategory: 'In Transit' })).toBe('In Transit');
    expect(normaliseRoyalMailSummary({ lastEventCode: 'EVXYZ' })).toBe('Unknown');
  });
});
