import { ConfigError } from '@bmx/aws-clients';
import { readBaseUrl, readBoolean, readBucketName, readInteger, readOneOf, readRequired, readText } from '../../src';

/** The variable a reader's error names, or undefined when it did not throw a ConfigError. */
function variableOf(read: () => unknown): string | undefined {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.variable;
    throw error;
  }
  return undefined;
}

describe('environment readers', () => {
  it('trim, and treat blank as unset', () => {
    expect(readText({ A: '  x ' }, 'A')).toBe('x');
    expect(readText({ A: '   ' }, 'A')).toBeUndefined();
    expect(readInteger({ N: ' ' }, 'N', 7)).toBe(7);
  });

  it('read whole numbers within bounds, naming the variable otherwise', () => {
    expect(readInteger({ N: '12' }, 'N', 1, { min: 1, max: 12 })).toBe(12);
    for (const raw of ['13', '0', '1.5', '-1', 'ten', '9007199254740993']) {
      expect(variableOf(() => readInteger({ N: raw }, 'N', 1, { min: 1, max: 12 }))).toBe('N');
    }
    expect(() => readInteger({ N: 'ten' }, 'N', 1, { min: 1, max: 12 })).toThrow('N: must be a whole number from 1 to 12, got "ten"');
  });

  it('read required values, booleans and choices', () => {
    expect(() => readRequired({}, 'KEY', 'the API key')).toThrow('KEY: is required: the API key');
    expect([readBoolean({ B: 'YES' }, 'B', false), readBoolean({ B: '0' }, 'B', true), readBoolean({}, 'B', true)]).toEqual([true, false, true]);
    expect(variableOf(() => readBoolean({ B: 'maybe' }, 'B', false))).toBe('B');
    expect(readOneOf({ L: 'warn' }, 'L', ['info', 'warn'], 'info')).toBe('warn');
    expect(variableOf(() => readOneOf({ L: 'loud' }, 'L', ['info', 'warn'], 'info'))).toBe('L');
  });

  it('read base URLs without trailing slashes, and bucket names', () => {
    expect(readBaseUrl({ U: 'https://cdn.example.com//' }, 'U')).toBe('https://cdn.example.com');
    expect(readBaseUrl({}, 'U')).toBeUndefined();
    expect(readBaseUrl({}, 'U', 'http://127.0.0.1:1/')).toBe('http://127.0.0.1:1');
    expect(variableOf(() => readBaseUrl({ U: 'ftp://x' }, 'U'))).toBe('U');
    expect(variableOf(() => readBaseUrl({ U: 'not a url' }, 'U'))).toBe('U');
    expect(readBucketName({}, 'BUCKET', 'bmx-images')).toBe('bmx-images');
    expect(variableOf(() => readBucketName({ BUCKET: 'Bad_Bucket' }, 'BUCKET'))).toBe('BUCKET');
    expect(() => readBucketName({}, 'BUCKET')).toThrow('BUCKET: is required');
  });
});
