// The JSON Schema of lambda.deploy.json: the committed file, the README's tables and every app's file agree with it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDeployConfig } from '../../src';
import { deployFileJsonSchema, FunctionSchema, GrantsSchema, HttpSchema, ScheduleSchema, SqsTriggerSchema, VpcSchema } from '../../src/schema';
import { sampleConfigWith } from '../support/sample-app';

const deployDir = path.join(__dirname, '../..');
const appsDir = path.join(deployDir, '../../apps');

/** The rows (`[field names, default]`) of the first table after a heading of the README. */
function readmeTable(readme: string, heading: string): { fields: string[]; defaults: string }[] {
  const start = readme.split('\n').findIndex((line) => line === heading);
  if (start < 0) throw new Error(`README has no heading ${heading}`);
  const lines = readme.split('\n').slice(start + 1);
  const first = lines.findIndex((line) => line.startsWith('| field |'));
  const rows: { fields: string[]; defaults: string }[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const [names = '', defaults = ''] = line.replace(/\\\|/g, '').split('|').slice(1, 3);
    rows.push({ fields: [...names.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string), defaults: defaults.replace(/\s+/g, '') });
  }
  return rows;
}

describe('lambda.deploy.json schema', () => {
  it('is committed as lambda.deploy.schema.json, exactly as src/schema.ts writes it', () => {
    const committed: unknown = JSON.parse(readFileSync(path.join(deployDir, 'lambda.deploy.schema.json'), 'utf8'));
    expect(committed).toEqual(deployFileJsonSchema());
  });

  it.each([
    ['## lambda.deploy.json', FunctionSchema],
    ['### sqs', SqsTriggerSchema],
    ['### grants', GrantsSchema],
    ['### vpc', VpcSchema],
    ['### http', HttpSchema],
    ['## Schedules', ScheduleSchema],
  ])('README table under "%s" names every field of the schema, no other, with its default', (heading, schema) => {
    const rows = readmeTable(readFileSync(path.join(deployDir, 'README.md'), 'utf8'), heading);
    expect(rows.flatMap((row) => row.fields.filter((field) => field in schema.properties)).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(rows.every((row) => row.fields.length > 0 && row.fields[0]! in schema.properties)).toBe(true);
    for (const [field, property] of Object.entries(schema.properties as Record<string, { default?: unknown }>)) {
      if (property.default === undefined) continue;
      const row = rows.find((candidate) => candidate.fields.includes(field));
      const written = typeof property.default === 'string' ? property.default : JSON.stringify(property.default);
      expect({ field, defaults: row?.defaults }).toEqual({ field, defaults: expect.stringContaining(written) });
    }
  });

  it.each(readdirSync(appsDir))("apps/%s/lambda.deploy.json is valid and names its schema", (app) => {
    const file = path.join(appsDir, app, 'lambda.deploy.json');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { $schema?: string }).$schema).toBe('../../tools/deploy/lambda.deploy.schema.json');
    expect(loadDeployConfig(path.join(appsDir, app), 'test').functions.length).toBeGreaterThan(0);
  });

  it('substitutes {imagesBucket}: the local name by default, the caller\'s otherwise', () => {
    const api = path.join(appsDir, 'api');
    const http = (config: ReturnType<typeof loadDeployConfig>) => config.functions.find((fn) => fn.id === 'http')?.environment?.['IMAGES_BUCKET'];
    expect(http(loadDeployConfig(api, 'test'))).toBe('bmx-test-images');
    expect(http(loadDeployConfig(api, 'prod', { imagesBucket: 'bmx-prod-images-123456789012-eu-west-1' }))).toBe('bmx-prod-images-123456789012-eu-west-1');
  });

  it.each([
    ['runtime', 'nodejs20.x', /functions\[0\]\.runtime: must be one of "nodejs24\.x", "nodejs22\.x" \(got "nodejs20\.x"\)/],
    ['architecture', 'ia64', /functions\[0\]\.architecture: must be one of "x86_64", "arm64"/],
    ['logRetentionDays', 10, /functions\[0\]\.logRetentionDays: must be one of 1, 3, 5, 7, 14, 30/],
    ['secrets', { DATABASE_URL: 'database' }, /functions\[0\]\.secrets has unknown field DATABASE_URL; expected names matching \^\[A-Z\]\[A-Z0-9_\]\*_SECRET_ARN\$/],
    ['grants', { imagesBucket: ['read', 'admin'] }, /functions\[0\]\.grants\.imagesBucket\[1\]: must be one of "read", "write", "delete", "list"/],
    ['grants', { s3: ['*'] }, /functions\[0\]\.grants has unknown field s3; expected imagesBucket, sendToQueues/],
    ['vpc', { database: true }, /functions\[0\]\.vpc\.internet: is required/],
    ['http', { throttlingRateLimit: 0, throttlingBurstLimit: 10 }, /functions\[0\]\.http\.throttlingRateLimit: Expected integer to be greater or equal to 1/],
    ['sqs', { queue: 'q', maxConcurrency: 1 }, /functions\[0\]\.sqs\.maxConcurrency: Expected integer to be greater or equal to 2/],
    ['memorySize', '512', /functions\[0\]\.memorySize: Expected integer \(got "512"\) — MB/],
  ])('refuses %s = %j, naming the field', (field, value, message) => {
    expect(sampleConfigWith(field, value)).toThrow(message);
  });

  it('keeps the new fields as written', () => {
    const grants = { imagesBucket: ['read', 'list'], sendToQueues: ['sample-{env}-out'], invokeFunctions: ['f'], getFunctions: ['f'] };
    expect(sampleConfigWith('grants', grants)().functions[0]!.grants).toEqual({ ...grants, sendToQueues: ['sample-test-out'] });
    expect(sampleConfigWith('runtime', 'nodejs22.x')().functions[0]!.runtime).toBe('nodejs22.x');
  });
});
