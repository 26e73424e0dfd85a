import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_REGION, getAwsRegion, getSqsClient, readAwsEnvironment, resetAwsClients, resolveAwsRegion } from '../../src';

describe('the region rule', () => {
  let dir: string;
  let files: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aws-region-'));
    writeFileSync(join(dir, 'config'), '[default]\nregion = eu-west-2\n\n[profile ops]\nregion = ap-southeast-2\n\n[profile bare]\noutput = json\n\n[profile broken]\nregion = mars\n');
    writeFileSync(join(dir, 'credentials'), '[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n');
    // Only these files, never the machine's ~/.aws.
    files = { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes AWS_REGION first', async () => {
    expect(await resolveAwsRegion({ ...files, AWS_REGION: 'ca-central-1', AWS_DEFAULT_REGION: 'sa-east-1' })).toEqual({ region: 'ca-central-1', source: 'AWS_REGION' });
  });

  it('takes AWS_DEFAULT_REGION before the profile', async () => {
    expect(await resolveAwsRegion({ ...files, AWS_DEFAULT_REGION: 'sa-east-1' })).toEqual({ region: 'sa-east-1', source: 'AWS_DEFAULT_REGION' });
  });

  it("takes the profile's region from the shared config file: AWS_PROFILE's, else default's", async () => {
    expect(await resolveAwsRegion({ ...files })).toEqual({ region: 'eu-west-2', source: 'profile' });
    expect(await resolveAwsRegion({ ...files, AWS_PROFILE: 'ops' })).toEqual({ region: 'ap-southeast-2', source: 'profile' });
  });

  it('falls back to us-east-1 when the profile has no region or there are no files', async () => {
    expect(await resolveAwsRegion({ ...files, AWS_PROFILE: 'bare' })).toEqual({ region: DEFAULT_REGION, source: 'default' });
    const none = { AWS_CONFIG_FILE: join(dir, 'missing-config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'missing-credentials') };
    expect(await resolveAwsRegion(none)).toEqual({ region: 'us-east-1', source: 'default' });
  });

  it('names the variable or the profile holding a malformed region', async () => {
    await expect(resolveAwsRegion({ ...files, AWS_DEFAULT_REGION: 'moon-base' })).rejects.toThrow(/^AWS_DEFAULT_REGION: "moon-base"/);
    await expect(resolveAwsRegion({ ...files, AWS_PROFILE: 'broken' })).rejects.toThrow(ConfigError);
    await expect(resolveAwsRegion({ ...files, AWS_PROFILE: 'broken' })).rejects.toThrow(/^region of profile "broken": "mars"/);
    // A bad variable fails synchronously at start-up too, where the endpoints are read.
    expect(() => readAwsEnvironment({ AWS_DEFAULT_REGION: 'moon-base' })).toThrow(/^AWS_DEFAULT_REGION/);
  });

  describe('in the clients', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
      resetAwsClients();
    });

    it("give every client the profile's region when no variable sets one", async () => {
      const rest = Object.fromEntries(Object.entries(saved).filter(([key]) => !['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE'].includes(key)));
      process.env = { ...rest, ...files, AWS_PROFILE: 'ops' };
      resetAwsClients();
      expect(await getAwsRegion()).toBe('ap-southeast-2');
      expect(await getSqsClient().config.region()).toBe('ap-southeast-2');
    });

    it('give every client AWS_DEFAULT_REGION over the profile', async () => {
      const rest = Object.fromEntries(Object.entries(saved).filter(([key]) => !['AWS_REGION', 'AWS_PROFILE'].includes(key)));
      process.env = { ...rest, ...files, AWS_DEFAULT_REGION: 'eu-north-1' };
      resetAwsClients();
      expect(await getSqsClient('interactive').config.region()).toBe('eu-north-1');
    });
  });
});
