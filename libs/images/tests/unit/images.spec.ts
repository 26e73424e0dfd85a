import sharp from 'sharp';
import { detectImageFormat, imageObjectKey, makeThumbnail, parseImageJobMessage, storedImageObjectKeys, stripBooksPrefix, thumbnailObjectKey } from '../../src';

describe('detectImageFormat', () => {
  it('reads the format from the bytes sharp writes', async () => {
    const base = sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } });
    expect(detectImageFormat(await base.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(detectImageFormat(await base.clone().png().toBuffer())).toBe('png');
    expect(detectImageFormat(await base.clone().webp().toBuffer())).toBe('webp');
    expect(detectImageFormat(await base.clone().gif().toBuffer())).toBe('gif');
  });

  it('rejects anything else, however it is named', () => {
    expect(detectImageFormat(Buffer.from('%PDF-1.7'))).toBeUndefined();
    expect(detectImageFormat(Buffer.alloc(0))).toBeUndefined();
    expect(detectImageFormat(Buffer.from([0xff, 0xd8]))).toBeUndefined();
  });
});

describe('keys', () => {
  it('accepts keys with or without the books/ prefix', () => {
    expect(imageObjectKey('12/a.png')).toBe('books/12/a.png');
    expect(imageObjectKey('books/12/a.png')).toBe('books/12/a.png');
    expect(stripBooksPrefix('books/12/a.png')).toBe('12/a.png');
  });

  it('gives thumbnails a .jpg key whatever the original was', () => {
    expect(thumbnailObjectKey('12_abc.png')).toBe('books/thumb_12_abc.jpg');
    expect(thumbnailObjectKey('books/12_abc.webp')).toBe('books/thumb_12_abc.jpg');
    expect(thumbnailObjectKey('12_abc.png', 'jpg_stem')).toBe('books/thumb_12_abc.jpg');
  });

  it("keeps BlueMoxon's thumbnail keys for migrated images: thumb_{key} with the image's own extension", () => {
    expect(thumbnailObjectKey('123_processed_x.png', 'bluemoxon')).toBe('books/thumb_123_processed_x.png');
    expect(thumbnailObjectKey('books/123_abc.jpeg', 'bluemoxon')).toBe('books/thumb_123_abc.jpeg');
    expect(thumbnailObjectKey('123_abc.jpg', 'bluemoxon')).toBe(thumbnailObjectKey('123_abc.jpg'));
  });

  it('gives both objects of a stored image by its recorded rule, and refuses a rule it does not know', () => {
    expect(storedImageObjectKeys({ s3_key: '123_processed_x.png', thumbnail_key_rule: 'bluemoxon' })).toEqual({
      original: 'books/123_processed_x.png',
      thumbnail: 'books/thumb_123_processed_x.png',
    });
    expect(storedImageObjectKeys({ s3_key: '123_processed_x.png', thumbnail_key_rule: 'jpg_stem' })).toEqual({
      original: 'books/123_processed_x.png',
      thumbnail: 'books/thumb_123_processed_x.jpg',
    });
    expect(() => storedImageObjectKeys({ s3_key: 'a.png', thumbnail_key_rule: 'guess' })).toThrow(/unknown thumbnail_key_rule "guess"/);
  });
});

describe('makeThumbnail', () => {
  it('makes a JPEG that fits in 300x300, keeping the aspect ratio', async () => {
    const source = await sharp({ create: { width: 1200, height: 600, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const thumb = await makeThumbnail(source);
    const meta = await sharp(thumb).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 300, height: 150 });
  });
});

describe('parseImageJobMessage', () => {
  const job = '6f1c1f9e-2b1d-4a8e-9a51-0c8f5d1f2a3b';
  it('accepts a well-formed message', () => {
    expect(parseImageJobMessage(JSON.stringify({ job_id: job, book_id: 1, image_id: 2 }))).toEqual({
      ok: true,
      message: { job_id: job, book_id: 1, image_id: 2 },
    });
  });
  it('names what is wrong', () => {
    expect(parseImageJobMessage('{')).toEqual({ ok: false, reason: 'body is not JSON' });
    expect(parseImageJobMessage('[]')).toEqual({ ok: false, reason: 'body is not a JSON object' });
    expect(parseImageJobMessage(JSON.stringify({ job_id: 'x', book_id: 1, image_id: 2 }))).toMatchObject({ reason: 'job_id must be a UUID string' });
    expect(parseImageJobMessage(JSON.stringify({ job_id: job, book_id: '1', image_id: 2 }))).toMatchObject({ reason: 'book_id must be a positive integer' });
  });
});
