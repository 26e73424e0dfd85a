import { badRequest } from '../errors';
import type { ImageFields } from './images';

/**
 * The metadata a multipart upload may carry besides its `file` part. BlueMoxon's clients send the same names as
 * query parameters (`?image_type=cover&is_primary=true&caption=…`); both places are read, with one schema.
 */
export const UPLOAD_FIELD_NAMES = ['caption', 'image_type', 'is_primary'] as const;
export type UploadFieldName = (typeof UPLOAD_FIELD_NAMES)[number];

/** The upload metadata after validation, as the query string or the multipart parts gave it. */
export type UploadMetadata = Partial<Pick<ImageFields, UploadFieldName>>;

const isUploadField = (name: string): name is UploadFieldName => (UPLOAD_FIELD_NAMES as readonly string[]).includes(name);

/**
 * Adds one multipart text part to `fields`. A name the upload does not know, a text part called `file`, or a
 * name sent twice is a 400 naming `body.{name}`: nothing a client sends is dropped in silence.
 */
export function collectUploadField(fields: Record<string, string>, name: string, value: string): void {
  if (name === 'file') throw badRequest('The "file" part must be a file (with a filename), not a text field', 'body.file');
  if (!isUploadField(name)) {
    throw badRequest(`Unknown field "${name}"; an upload takes "file" and optionally ${UPLOAD_FIELD_NAMES.map((n) => `"${n}"`).join(', ')}`, `body.${name}`);
  }
  if (Object.hasOwn(fields, name)) throw badRequest(`The field "${name}" was sent more than once`, `body.${name}`);
  fields[name] = value;
}

/**
 * The boolean words BlueMoxon's clients send (`true`/`false`, `1`/`0`, any case) in the form the schema's
 * coercion takes; anything else is left for the schema to refuse.
 */
export function normalizeBooleanWord(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.toLowerCase();
  if (word === 'true' || word === '1') return 'true';
  if (word === 'false' || word === '0') return 'false';
  return value;
}

/**
 * The one rule when both places set a field: the multipart part wins over the query parameter, because the body
 * is the request's content and the query string is the compatibility path for BlueMoxon's clients. Both were
 * validated before, so a bad value is refused wherever it came from.
 */
export function mergeUploadFields(query: UploadMetadata, multipart: UploadMetadata): UploadMetadata {
  return { ...query, ...multipart };
}
