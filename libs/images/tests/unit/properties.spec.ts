// Property-based checks of the key rules and the message parser: whatever the input, the invariants hold.
import fc from 'fast-check';
import { BOOKS_PREFIX, imageObjectKey, parseImageJobMessage, stripBooksPrefix, thumbnailObjectKey } from '../../src';

const keyPart = fc.stringMatching(/^[A-Za-z0-9_\-/.]{1,40}$/);

describe('key rules', () => {
  it('imageObjectKey always has exactly one books/ prefix and is idempotent', () => {
    fc.assert(
      fc.property(keyPart, (key) => {
        const objectKey = imageObjectKey(key);
        expect(objectKey.startsWith(BOOKS_PREFIX)).toBe(true);
        expect(imageObjectKey(objectKey)).toBe(objectKey);
        expect(imageObjectKey(stripBooksPrefix(objectKey))).toBe(objectKey);
      }),
    );
  });

  it('thumbnail keys always end in .jpg, live under books/thumb_, and ignore the prefix form', () => {
    fc.assert(
      fc.property(keyPart, (key) => {
        const thumb = thumbnailObjectKey(key);
        expect(thumb.startsWith(`${BOOKS_PREFIX}thumb_`)).toBe(true);
        expect(thumb.endsWith('.jpg')).toBe(true);
        expect(thumbnailObjectKey(imageObjectKey(key))).toBe(thumb);
      }),
    );
  });
});

describe('parseImageJobMessage', () => {
  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (body) => {
        const result = parseImageJobMessage(body);
        if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }),
    );
  });

  it('round-trips every valid message', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: 2 ** 31 }), (job_id, book_id, image_id) => {
        expect(parseImageJobMessage(JSON.stringify({ job_id, book_id, image_id }))).toEqual({ ok: true, message: { job_id, book_id, image_id } });
      }),
    );
  });
});
