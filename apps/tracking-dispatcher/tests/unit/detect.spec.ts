import fc from 'fast-check';
import { carrierForBook, detectCarrier, normaliseTrackingNumber, parseCarrier } from '../../src/carriers/detect';
import { CARRIERS, type CarrierId } from '../../src/carriers/types';

const digits = (min: number, max = min) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const upper = (n: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: n, maxLength: n });
const alnum = (n: number) => fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: n, maxLength: n });

/** Generators of each carrier's documented formats (FedEx's 20-digit form excludes the USPS 92/93/94 prefixes: see detect.ts). */
const FORMATS: Record<CarrierId, fc.Arbitrary<string>> = {
  ups: alnum(16).map((s) => `1Z${s}`),
  usps: fc.oneof(
    digits(21, 22),
    fc.tuple(fc.constantFrom('92', '93', '94'), digits(18, 32)).map(([p, s]) => p + s),
  ),
  fedex: fc.oneof(
    digits(12),
    digits(15),
    digits(20).filter((s) => !/^9[234]/.test(s)),
  ),
  dhl: digits(10),
  royal_mail: fc.tuple(upper(2), digits(9)).map(([a, d]) => `${a}${d}GB`),
};

describe('detectCarrier', () => {
  it.each([
    ['1Z999AA10123456784', 'ups'],
    ['1z 999 aa1 0123 4567 84', 'ups'],
    ['9400111899223197428490', 'usps'],
    ['9205590164917312751089', 'usps'],
    ['123456789012345678901', 'usps'], // 21 digits
    ['123456789012', 'fedex'],
    ['123456789012345', 'fedex'],
    ['12345678901234567890', 'fedex'], // 20 digits, no USPS prefix
    ['92345678901234567890', 'usps'], // 20 digits with the USPS prefix
    ['1234567890', 'dhl'],
    ['AB123456789GB', 'royal_mail'],
    ['ab-123-456-789-gb', 'royal_mail'],
  ])('%s → %s', (number, carrier) => {
    expect(detectCarrier(number)).toBe(carrier);
  });

  it.each(['', 'hello', '12345', '1Z123', 'AB123456789US', '12345678901234567890123', '1Z999AA1012345678!', '420972019300111899223197428490'])('does not guess for %p', (n) => {
    expect(detectCarrier(n)).toBeNull();
  });

  it('reaches every carrier (no rule is shadowed by an earlier one)', () => {
    const reached = new Set(CARRIERS.map((c) => detectCarrier(fc.sample(FORMATS[c], 1)[0]!)));
    expect([...reached].sort()).toEqual([...CARRIERS].sort());
  });

  it.each(CARRIERS)('property: every generated %s number is detected as that carrier', (carrier) => {
    fc.assert(fc.property(FORMATS[carrier], (n) => detectCarrier(n) === carrier), { numRuns: 300 });
  });

  it('property: spaces, dashes and case do not change the answer', () => {
    const any = fc.oneof(...CARRIERS.map((c) => FORMATS[c]));
    fc.assert(
      fc.property(any, fc.array(fc.nat(), { maxLength: 4 }), (n, cuts) => {
        let spaced = n.toLowerCase();
        for (const cut of cuts) {
          const at = cut % (spaced.length + 1);
          spaced = `${spaced.slice(0, at)}${cut % 2 ? ' ' : '-'}${spaced.slice(at)}`;
        }
        return detectCarrier(spaced) === detectCarrier(n);
      }),
    );
  });

  it('resolves the documented 20-digit overlap by prefix', () => {
    fc.assert(fc.property(digits(18), fc.constantFrom('92', '93', '94'), (rest, prefix) => detectCarrier(prefix + rest) === 'usps'));
    fc.assert(fc.property(digits(20).filter((s) => !/^9[234]/.test(s)), (n) => detectCarrier(n) === 'fedex'));
  });
});

describe('parseCarrier / carrierForBook', () => {
  it('accepts ids and display names', () => {
    expect(parseCarrier('UPS')).toBe('ups');
    expect(parseCarrier('Royal Mail')).toBe('royal_mail');
    expect(parseCarrier('FedEx')).toBe('fedex');
    expect(parseCarrier('Pony Express')).toBeNull();
    expect(parseCarrier(null)).toBeNull();
  });

  it('prefers the stored carrier, else detects', () => {
    expect(carrierForBook({ tracking_carrier: 'DHL', tracking_number: '123456789012' })).toBe('dhl');
    expect(carrierForBook({ tracking_carrier: null, tracking_number: '123456789012' })).toBe('fedex');
    expect(carrierForBook({ tracking_carrier: 'nonsense', tracking_number: 'AB123456789GB' })).toBe('royal_mail');
    expect(carrierForBook({ tracking_carrier: null, tracking_number: 'unknown' })).toBeNull();
    expect(carrierForBook({ tracking_carrier: null, tracking_number: null })).toBeNull();
  });

  it('normalises numbers the way carriers expect them', () => {
    expect(normaliseTrackingNumber(' 1z 999-aa1 ')).toBe('1Z999AA1');
  });
});
