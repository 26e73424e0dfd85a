import { DependencyError, publicErrorCode, publicErrorDescription } from '../../src/errors';

describe('what a client sees of a dependency error', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4666'), { code: 'ECONNREFUSED', errno: -111, address: '127.0.0.1', port: 4666 });
  const timeout = Object.assign(new Error('Connection timed out after 1500 ms to http://10.0.3.7:443'), { name: 'TimeoutError' });
  const denied = Object.assign(new Error('User arn:aws:iam::123456789012:role/bmx-api is not authorized on arn:aws:s3:::bmx-prod-images'), {
    name: 'AccessDenied',
    $metadata: { httpStatusCode: 403 },
  });

  it.each([
    [refused, 'S3 is unavailable (ECONNREFUSED)'],
    [timeout, 'S3 is unavailable (TimeoutError)'],
    [denied, 'S3 is unavailable (AccessDenied)'],
    [new Error('getaddrinfo ENOTFOUND bmx-prod-images.s3.internal'), 'S3 is unavailable'],
    ['a string thrown', 'S3 is unavailable'],
    [Object.assign(new Error('x'), { code: 'has spaces 10.0.0.1:80' }), 'S3 is unavailable'],
  ])('names the dependency and at most the code: %p', (cause, expected) => {
    const error = new DependencyError('S3', cause);
    expect(error.statusCode).toBe(503);
    expect(error.message).toBe(expected);
    expect(error.message).not.toMatch(/\d+\.\d+\.\d+\.\d+|:\d{2,5}|arn:|bmx-/);
    expect(error.cause).toBe(cause);
  });

  it('describes an error for public health output by code and HTTP status only', () => {
    expect(publicErrorDescription(denied)).toBe('AccessDenied (HTTP 403)');
    expect(publicErrorDescription(refused)).toBe('ECONNREFUSED');
    expect(publicErrorDescription(new Error('10.0.0.1:5432 refused'))).toBe('failed');
    expect(publicErrorCode({ name: 'Error' })).toBeUndefined();
  });
});
