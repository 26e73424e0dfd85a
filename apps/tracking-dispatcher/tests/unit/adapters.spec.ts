// The five adapters against a local HTTP server on 127.0.0.1 answering with the carriers' documented shapes,
// and with the failures a real carrier produces: 5xx, 401, no answer at all, and bodies that are not theirs.
import { createAdapters, loadCarriersConfig } from '../../src/carriers/config';
import { CarrierError } from '../../src/carriers/errors';
import { CARRIERS, type CarrierAdapter, type CarrierId } from '../../src/carriers/types';
import { startFakeCarriers, type FakeCarriers } from '../support/fake-carriers';

const NUMBERS: Record<CarrierId, string> = {
  ups: '1Z999AA10123456784',
  usps: '9400111899223197428490',
  fedex: '123456789012',
  dhl: '1234567890',
  royal_mail: 'AB123456789GB',
};

let fake: FakeCarriers;
let adapters: Record<CarrierId, CarrierAdapter>;

beforeAll(async () => {
  fake = await startFakeCarriers();
  adapters = createAdapters(loadCarriersConfig({ ...fake.env, CARRIER_TIMEOUT_MS: '300' })) as Record<CarrierId, CarrierAdapter>;
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

async function failure(carrier: CarrierId): Promise<CarrierError> {
  const error = await adapters[carrier].track(NUMBERS[carrier]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CarrierError);
  return error as CarrierError;
}

describe.each(CARRIERS)('%s adapter', (carrier) => {
  it('calls the documented endpoint with the number and its credentials', async () => {
    fake.reply = () => ({ fixture: 'in-transit' });
    await expect(adapters[carrier].track(NUMBERS[carrier])).resolves.toEqual(expect.objectContaining({ status: 'In Transit' }));
    expect(fake.requests).toHaveLength(1);
    const seen = fake.requests[0]!;
    expect(seen.carrier).toBe(carrier);
    expect(seen.trackingNumber).toBe(NUMBERS[carrier]);
    const credential = {
      ups: ['authorization', 'Bearer test-ups-token'],
      usps: ['authorization', 'Bearer test-usps-token'],
      fedex: ['authorization', 'Bearer test-fedex-token'],
      dhl: ['dhl-api-key', 'test-dhl-key'],
      royal_mail: ['x-ibm-client-secret', 'test-rm-secret'],
    }[carrier];
    expect(seen.headers[credential[0]!]).toBe(credential[1]);
  });

  it.each([
    ['delivered', 'Delivered'],
    ['out-for-delivery', 'Out for Delivery'],
    ['exception', 'Exception'],
    ['pending', 'Pending'],
  ] as const)('normalises the %s answer to %s', async (name, status) => {
    fake.reply = () => ({ fixture: name });
    await expect(adapters[carrier].track(NUMBERS[carrier])).resolves.toEqual(expect.objectContaining({ status }));
  });

  it.each([500, 502, 503, 429])('HTTP %i is an error (unavailable), never a status', async (status) => {
    fake.reply = () => ({ status, raw: '{"message":"down"}' });
    const error = await failure(carrier);
    expect(error.kind).toBe('unavailable');
    expect(error.countsAgainstCarrier).toBe(true);
  });

  it('401 is an error (unauthorized) that does not leak the credential', async () => {
    fake.reply = () => ({ fixture: 'error-401' });
    const error = await failure(carrier);
    expect(error.kind).toBe('unauthorized');
    expect(error.countsAgainstCarrier).toBe(true);
    expect(error.message).not.toMatch(/test-[a-z]+-(token|key|secret|id)/);
  });

  it('a carrier that never answers is a timeout (unavailable)', async () => {
    fake.reply = () => ({ hang: true });
    const error = await failure(carrier);
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/300 ms/);
  });

  it.each([
    ['not JSON', '<html>Service Unavailable</html>'],
    ['a JSON string', '"ok"'],
    ['another shape', '{"data":{"status":"delivered"}}'],
    ['empty', ''],
  ])('a 200 with %s is malformed', async (_label, raw) => {
    fake.reply = () => ({ status: 200, raw });
    const error = await failure(carrier);
    expect(error.kind).toBe('malformed');
    expect(error.countsAgainstCarrier).toBe(true);
  });

  it('an unknown tracking number is not_found and does not count against the carrier', async () => {
    fake.reply = () => ({ fixture: 'not-found' });
    const error = await failure(carrier);
    expect(error.kind).toBe('not_found');
    expect(error.countsAgainstCarrier).toBe(false);
  });

  it('another 4xx is rejected', async () => {
    fake.reply = () => ({ status: 400, raw: '{"errors":[{"code":"BAD"}]}' });
    const error = await failure(carrier);
    expect(error.kind).toBe('rejected');
    expect(error.countsAgainstCarrier).toBe(false);
  });
});

describe('a carrier that cannot be reached', () => {
  it('is unavailable', async () => {
    const [adapter] = Object.values(createAdapters(loadCarriersConfig({ ...fake.env, TRACKING_CARRIERS: 'dhl', DHL_API_BASE_URL: 'http://127.0.0.1:1' })));
    await expect(adapter!.track('1234567890')).rejects.toEqual(expect.objectContaining({ kind: 'unavailable' }));
  });
});
