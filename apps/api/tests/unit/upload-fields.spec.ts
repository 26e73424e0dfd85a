import { HttpError } from '../../src/errors';
import { collectUploadField, mergeUploadFields, normalizeBooleanWord } from '../../src/services/upload-fields';

describe('upload field rules', () => {
  const refused = (work: () => void) => {
    try {
      work();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      return { status: (error as HttpError).statusCode, field: (error as HttpError).field, message: (error as HttpError).message };
    }
    throw new Error('expected a refusal');
  };

  it('collects the known fields once each', () => {
    const fields: Record<string, string> = {};
    collectUploadField(fields, 'caption', 'Front');
    collectUploadField(fields, 'image_type', 'cover');
    collectUploadField(fields, 'is_primary', 'true');
    expect(fields).toEqual({ caption: 'Front', image_type: 'cover', is_primary: 'true' });
  });

  it.each(['foo', 'Caption', 'image-type', '__proto__', 'constructor', ''])('refuses the unknown field %p naming it', (name) => {
    expect(refused(() => collectUploadField({}, name, 'x'))).toMatchObject({ status: 400, field: `body.${name}` });
  });

  it('refuses a repeated field and a text part called file', () => {
    const fields: Record<string, string> = { caption: 'one' };
    expect(refused(() => collectUploadField(fields, 'caption', 'two'))).toMatchObject({ status: 400, field: 'body.caption', message: expect.stringMatching(/more than once/) });
    expect(fields['caption']).toBe('one');
    expect(refused(() => collectUploadField({}, 'file', 'abc'))).toMatchObject({ status: 400, field: 'body.file' });
  });

  it.each([
    ['true', 'true'],
    ['TRUE', 'true'],
    ['1', 'true'],
    ['false', 'false'],
    ['False', 'false'],
    ['0', 'false'],
    ['yes', 'yes'],
    ['', ''],
    [true, true],
  ])('reads the boolean word %p as %p', (word, expected) => {
    expect(normalizeBooleanWord(word)).toBe(expected);
  });

  it('lets the multipart part win over the query parameter, field by field', () => {
    expect(mergeUploadFields({ caption: 'query', image_type: 'back', is_primary: true }, { caption: 'part', is_primary: false })).toEqual({
      caption: 'part',
      image_type: 'back',
      is_primary: false,
    });
    expect(mergeUploadFields({ caption: 'query' }, {})).toEqual({ caption: 'query' });
  });
});
