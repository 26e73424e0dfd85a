import { Type } from '@fastify/type-provider-typebox';
import { presignPutUrl } from '@bmx/aws-clients';
import { galleryImageByKey } from '@bmx/db';
import { IMAGE_FORMATS, imageObjectKey, thumbnailObjectKey, type ImageFormat } from '@bmx/images';
import type { ApiApp, AppDeps } from '../app-deps';
import { badRequest, callDependency, HttpError, validationError } from '../errors';
import {
  BookIdParams,
  CompleteBody,
  CompleteParams,
  errors,
  Image,
  ImageParams,
  Job,
  RegisteredImage,
  ReorderBody,
  UpdateImage,
  UploadFields,
  UploadRequest,
  UploadTicket,
} from '../schemas';
import {
  deleteImage,
  keyBelongsToBook,
  listImageViews,
  newImageKey,
  primaryImageView,
  registerImage,
  reorderImages,
  requireBook,
  toView,
  updateImage,
  type RegisterResult,
} from '../services/images';
import { deleteObjects, getObjectBytes, headObject } from '../services/storage';
import { collectUploadField, mergeUploadFields, normalizeBooleanWord, type UploadMetadata } from '../services/upload-fields';

const tags = ['images'];
const BASE = '/api/v1/books/:bookId/images';

/** Served for a book without images, so clients always have something to show. */
export const PLACEHOLDER_PATH = '/static/placeholder-cover.svg';
const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300">' +
  '<rect width="300" height="300" fill="#e8e4dc"/><rect x="95" y="60" width="110" height="180" rx="6" fill="#b9b1a3"/>' +
  '<text x="150" y="275" font-family="sans-serif" font-size="16" text-anchor="middle" fill="#6d665b">No image yet</text></svg>';

const FORMAT_BY_MIME: Record<string, ImageFormat> = Object.fromEntries(
  Object.entries(IMAGE_FORMATS).map(([format, { mime }]) => [mime, format as ImageFormat]),
);

/** The parser's own errors (no boundary, truncated body, a limit) are the client's: a 400 or 413 that says why. */
function multipartFailure(error: unknown): Error {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_FILES_LIMIT') return badRequest('Send one "file" part per upload; this request has more than one', 'file');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return badRequest('The upload has more parts than "file", "caption", "image_type" and "is_primary"', 'body');
  if (typeof (error as { statusCode?: unknown }).statusCode === 'number') return error as Error;
  return badRequest(`The multipart body could not be read: ${(error as Error).message}`, 'file');
}

async function viewResult(deps: AppDeps, result: RegisterResult) {
  return {
    image: await toView(deps.config, result.image),
    duplicate: result.duplicate,
    ...(result.job ? { processing_job: result.job } : {}),
  };
}

/** The images of a book: upload (multipart or presigned), list, primary, reorder, update, delete. */
export function imageRoutes(app: ApiApp, deps: AppDeps): void {
  const { db, config } = deps;

  app.get(PLACEHOLDER_PATH, { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(PLACEHOLDER_SVG),
  );

  app.post(
    BASE,
    {
      schema: {
        tags,
        summary: 'Upload an image (multipart/form-data)',
        description:
          'Parts: `file` (exactly one; JPEG, PNG, WEBP or GIF by its magic bytes), optional `caption`, `image_type`, `is_primary`. ' +
          'The same three may come as query parameters instead (as BlueMoxon clients send them); when a field comes both ways, ' +
          'the multipart part wins. Any other query parameter or part, a field sent twice, or a second `file` part is a 400 naming it. ' +
          'The same bytes twice for one book return the existing image with `duplicate: true` (200). The first image, or ' +
          '`is_primary=true`, becomes primary and queues processing. Larger files: use `uploads`.',
        consumes: ['multipart/form-data'],
        params: BookIdParams,
        querystring: UploadFields,
        response: { 200: RegisteredImage, 201: RegisteredImage, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
      // BlueMoxon clients send is_primary as 1/0 or in any case; the schema's coercion takes true/false.
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        if ('is_primary' in query) query['is_primary'] = normalizeBooleanWord(query['is_primary']);
      },
    },
    async (request, reply) => {
      const { bookId } = request.params;
      await requireBook(db, bookId);
      if (!request.isMultipart()) throw new HttpError(415, 'Send the image as multipart/form-data with a "file" part', 'file');
      const fields: Record<string, string> = {};
      let file: { bytes: Buffer; filename: string } | undefined;
      try {
        // files: 2, so a second file part reaches the loop and gets a 400 saying so instead of the parser's 413.
        for await (const part of request.parts({ limits: { fileSize: config.maxUploadBytes, files: 2, fields: 10, fieldSize: 4096 } })) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file' || file) part.file.resume();
            if (part.fieldname !== 'file') throw badRequest(`Unexpected file part "${part.fieldname}"; name it "file"`, 'file');
            if (file) throw badRequest('Send one "file" part per upload; this request has more than one', 'file');
            file = { bytes: await part.toBuffer(), filename: part.filename };
          } else {
            collectUploadField(fields, part.fieldname, String(part.value));
          }
        }
      } catch (error) {
        throw multipartFailure(error);
      }
      if (!file) throw badRequest('The multipart body has no "file" part', 'file');
      if (file.bytes.length === 0) throw badRequest('The file is empty', 'file');
      // The parts go through the route's own query-string schema: one rule for both places.
      if ('is_primary' in fields) fields['is_primary'] = normalizeBooleanWord(fields['is_primary']) as string;
      const validate = request.getValidationFunction('querystring');
      if (validate && !validate(fields)) throw validationError('body', validate.errors as Parameters<typeof validationError>[1]);
      const metadata = mergeUploadFields(request.query, fields as UploadMetadata);
      const result = await registerImage(deps, bookId, file.bytes, { ...metadata, original_filename: file.filename || null }, request);
      return reply.status(result.duplicate ? 200 : 201).send(await viewResult(deps, result));
    },
  );

  app.post(
    `${BASE}/uploads`,
    {
      schema: {
        tags,
        summary: 'Start a presigned upload',
        description: 'Returns a presigned PUT URL and its key. PUT the file there, then call `uploads/{key}/complete`.',
        params: BookIdParams,
        body: UploadRequest,
        response: { 201: UploadTicket, ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { bookId } = request.params;
      await requireBook(db, bookId);
      const format = FORMAT_BY_MIME[request.body.content_type] as ImageFormat;
      const key = newImageKey(bookId, format);
      const ttl = Math.min(config.presignTtlSeconds, 3600);
      const uploadUrl = await callDependency('S3', () => presignPutUrl(config.imagesBucket, imageObjectKey(key), request.body.content_type, ttl));
      return reply.status(201).send({
        key,
        upload_url: uploadUrl,
        method: 'PUT' as const,
        headers: { 'Content-Type': request.body.content_type },
        expires_in: ttl,
        max_bytes: config.maxPresignedUploadBytes,
      });
    },
  );

  app.post(
    `${BASE}/uploads/:key/complete`,
    {
      schema: {
        tags,
        summary: 'Register a presigned upload',
        description:
          'Checks the object exists (HeadObject), that the key was issued for this book, its size and its magic bytes. ' +
          'The body is optional: every field in it is.',
        params: CompleteParams,
        body: CompleteBody,
        response: { 200: RegisteredImage, 201: RegisteredImage, ...errors(400, 401, 403, 404, 413, 415, 503) },
      },
      // Nothing in the body is required, so no body at all means no fields (rather than "body must be object").
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { bookId, key } = request.params;
      await requireBook(db, bookId);
      if (!keyBelongsToBook(key, bookId)) throw badRequest(`The key "${key}" was not issued for book ${bookId}`, 'params.key');
      const already = await galleryImageByKey(db, bookId, key);
      if (already) return reply.status(200).send(await viewResult(deps, { image: already, duplicate: false }));

      const objectKey = imageObjectKey(key);
      const head = await headObject(config.imagesBucket, objectKey);
      if (!head) throw new HttpError(404, `Nothing has been uploaded to key "${key}" yet: PUT the file to its upload_url first`, 'params.key');
      if (head.size > config.maxPresignedUploadBytes) {
        await deleteObjects(config.imagesBucket, [objectKey]);
        throw new HttpError(413, `The upload is ${head.size} bytes; the limit is ${config.maxPresignedUploadBytes}`, 'file');
      }
      const bytes = await getObjectBytes(config.imagesBucket, objectKey);
      let result: RegisterResult;
      try {
        result = await registerImage(deps, bookId, bytes, request.body, request, key);
      } catch (error) {
        // Bytes that are not an accepted image are removed, so the bucket only holds registered images.
        if (error instanceof HttpError && error.statusCode === 415) await deleteObjects(config.imagesBucket, [objectKey]);
        throw error;
      }
      if (result.duplicate && result.image.s3_key !== key) await deleteObjects(config.imagesBucket, [objectKey, thumbnailObjectKey(key)]);
      return reply.status(result.duplicate ? 200 : 201).send(await viewResult(deps, result));
    },
  );

  app.get(
    BASE,
    {
      schema: {
        tags,
        summary: 'The images of a book, in display order',
        params: BookIdParams,
        response: { 200: Type.Object({ images: Type.Array(Image) }), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      await requireBook(db, request.params.bookId);
      return { images: await listImageViews(deps, request.params.bookId) };
    },
  );

  app.get(
    `${BASE}/primary`,
    {
      schema: {
        tags,
        summary: 'The primary image, or a placeholder when the book has none',
        params: BookIdParams,
        response: {
          200: Type.Object({
            placeholder: Type.Boolean(),
            image: Type.Union([Image, Type.Null()]),
            url: Type.String(),
            thumbnail_url: Type.String(),
          }),
          ...errors(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { bookId } = request.params;
      await requireBook(db, bookId);
      const view = await primaryImageView(deps, bookId);
      if (!view) return { placeholder: true, image: null, url: PLACEHOLDER_PATH, thumbnail_url: PLACEHOLDER_PATH };
      return { placeholder: false, image: view, url: view.url, thumbnail_url: view.thumbnail_url };
    },
  );

  app.put(
    `${BASE}/reorder`,
    {
      schema: {
        tags,
        summary: 'Reorder images; the first becomes primary',
        params: BookIdParams,
        body: ReorderBody,
        response: { 200: Type.Object({ images: Type.Array(Image), processing_job: Type.Optional(Job) }), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { images, job } = await reorderImages(deps, request.params.bookId, request.body.image_ids, request);
      return { images, ...(job ? { processing_job: job } : {}) };
    },
  );

  app.put(
    `${BASE}/:imageId`,
    {
      schema: {
        tags,
        summary: 'Change caption or type, or make the image primary',
        description:
          'The fields go in the JSON body (unlike the upload, which also takes them as query parameters): a query parameter ' +
          '(`?is_primary=true`, say) is a 400 naming it rather than ignored, as on every route.',
        params: ImageParams,
        body: UpdateImage,
        response: { 200: Type.Object({ image: Image, processing_job: Type.Optional(Job) }), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { bookId, imageId } = request.params;
      const { image, job } = await updateImage(deps, bookId, imageId, request.body, request);
      return { image, ...(job ? { processing_job: job } : {}) };
    },
  );

  app.delete(
    `${BASE}/:imageId`,
    {
      schema: {
        tags,
        summary: 'Delete an image, its object and its thumbnail',
        description: 'When S3 refuses or cannot be reached the answer is 503 and the image is kept, so the delete can be repeated.',
        params: ImageParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { bookId, imageId } = request.params;
      await deleteImage(deps, bookId, imageId, request);
      return reply.status(204).send(null);
    },
  );
}
