// OAuth client credentials for UPS, USPS and FedEx against the fake token endpoints on 127.0.0.1.
import { createAdapters, loadCarriersConfig } from '../../src/carriers/config';
import { CarrierError } from '../../src/carriers/errors';
import { tokenSource } from '../../src/carriers/oauth';
import type { CarrierAdapter } from '../../src/carriers/types';
import { startFakeCarriers, type FakeCarriers } from '../support/fake-carriers';

let fake: FakeCarriers;
beforeAll(async () => {
  fake = await startFakeCarriers();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.tokenRequests.length = 0;
  fake.reply = () => ({ fixture: 'in-transit' });
  let n = 0;
  fake.tokenReply = () => ({ token: `issued-${++n}`, expiresIn: 3600 });
});

function oauthAdapter(carrier: 'ups' | 'usps' | 'fedex'): CarrierAdapter {
  const prefix = carrier.toUpperCase();
  const env: Record<string, string> = { ...fake.env, TRACKING_CARRIERS: carrier, CARRIER_TIMEOUT_MS: '500' };
  delete env[`${prefix}_ACCESS_TOKEN`];
  env[`${prefix}_CLIENT_ID`] = `${carrier}-client`;
  env[`${prefix}_CLIENT_SECRET`] = `${carrier}-secret`;
  return createAdapters(loadCarriersConfig(env))[carrier]!;
}

const NUMBERS = { ups: '1Z999AA10123456784', usps: '9400111899223197428490', fedex: '123456789012' } as const;

describe.each(['ups', 'usps', 'fedex'] as const)('%s OAuth', (carrier) => {
  it('fetches a token once, sends it as the bearer, and reuses it', async () => {
    const adapter = oauthAdapter(carrier);
    await adapter.track(NUMBERS[carrier]);
    await adapter.track(NUMBERS[carrier]);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(fake.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer issued-1', 'Bearer issued-1']);
  });

  it("sends the client credentials the way the carrier documents", async () => {
    await oauthAdapter(carrier).track(NUMBERS[carrier]);
    const [request] = fake.tokenRequests;
    if (carrier === 'ups') {
      expect(request!.headers['authorization']).toBe(`Basic ${Buffer.from('ups-client:ups-secret').toString('base64')}`);
      expect(new URLSearchParams(request!.body).get('grant_type')).toBe('client_credentials');
    } else if (carrier === 'usps') {
      expect(request!.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request!.body)).toEqual({ grant_type: 'client_credentials', client_id: 'usps-client', client_secret: 'usps-secret' });
    } else {
      const form = new URLSearchParams(request!.body);
      expect([form.get('grant_type'), form.get('client_id'), form.get('client_secret')]).toEqual(['client_credentials', 'fedex-client', 'fedex-secret']);
    }
  });

  it('drops the token after a 401 and fetches a new one next time', async () => {
    const adapter = oauthAdapter(carrier);
    fake.reply = () => ({ fixture: 'error-401' });
    await expect(adapter.track(NUMBERS[carrier])).rejects.toEqual(expect.objectContaining({ kind: 'unauthorized' }));
    fake.reply = () => ({ fixture: 'in-transit' });
    await adapter.track(NUMBERS[carrier]);
    expect(fake.tokenRequests.map((t) => t.token)).toEqual(['issued-1', 'issued-2']);
    expect(fake.requests.at(-1)!.headers['authorization']).toBe('Bearer issued-2');
  });

  it('a refused or broken token endpoint is a carrier error, without the secret in it', async () => {
    fake.tokenReply = () => ({ status: 401, raw: '{"error":"invalid_client"}' });
    const refused = await oauthAdapter(carrier).track(NUMBERS[carrier]).catch((e: unknown) => e);
    expect(refused).toEqual(expect.objectContaining({ kind: 'unauthorized' }));
    expect((refused as Error).message).not.toContain(`${carrier}-secret`);
    fake.tokenReply = () => ({ status: 503, raw: '' });
    await expect(oauthAdapter(carrier).track(NUMBERS[carrier])).rejects.toEqual(expect.objectContaining({ kind: 'unavailable' }));
    fake.tokenReply = () => ({ status: 200, raw: '{"token":"wrong field"}' });
    await expect(oauthAdapter(carrier).track(NUMBERS[carrier])).rejects.toBeInstanceOf(CarrierError);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('token lifetime', () => {
  it('renews a minute before expiry, and shares one request between concurrent callers', async () => {
    let now = 1_000_000;
    fake.tokenReply = () => ({ token: `t${fake.tokenRequests.length + 1}`, expiresIn: '600' });
    const tokens = tokenSource('ups', { clientId: 'a', clientSecret: 'b' }, { baseUrl: fake.baseUrls.ups, timeoutMs: 500, clock: () => now });
    expect(await Promise.all([tokens.bearer(), tokens.bearer(), tokens.bearer()])).toEqual(['t1', 't1', 't1']);
    now += 539_000;
    expect(await tokens.bearer()).toBe('t1');
    now += 2_000;
    expect(await tokens.bearer()).toBe('t2');
    expect(fake.tokenRequests).toHaveLength(2);
  });
});
