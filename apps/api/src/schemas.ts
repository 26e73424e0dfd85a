import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { LISTING_SITE_DOMAINS, MAX_LISTING_URL_LENGTH, MAX_SHORT_LINK_REDIRECTS } from './listing-url';

/** Largest value a PostgreSQL `integer` id can hold: bigger ids are a 400, never a database error. */
const MAX_ID = 2_147_483_647;

export const Id = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_ID, description });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const BookIdParams = Type.Object({ bookId: Id('The book id') });
export const ImageParams = Type.Object({ bookId: Id('The book id'), imageId: Id('The image id') });

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The input field at fault, e.g. `body.title`' })),
  },
  { $id: 'Error', description: 'Every error has this shape' },
);
export const ErrorRef = Type.Unsafe<{ statusCode: number; error: string; message: string; field?: string }>(Type.Ref('Error'));

/** Error responses a route can answer with, for the OpenAPI document. */
export function errors(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, ErrorRef]));
}

/** Rows carry `Date`s; the serializer writes them as ISO 8601 strings. */
const Timestamp = Type.Unsafe<Date>(Type.String({ format: 'date-time' }));

export const Book = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  author: Nullable(Type.String()),
  status: Type.String(),
  tracking_number: Nullable(Type.String()),
  tracking_carrier: Nullable(Type.String()),
  tracking_status: Nullable(Type.String()),
  tracking_active: Type.Boolean(),
  tracking_last_checked: Nullable(Timestamp),
  tracking_delivered_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** One change of a parcel's status, as the tracking worker recorded it. */
export const TrackingEvent = Type.Object({
  id: Type.Integer(),
  book_id: Type.Integer(),
  carrier: Type.String(),
  status: Type.String({ description: 'In Transit, Out for Delivery, Delivered, Exception, Pending or Unknown' }),
  previous_status: Nullable(Type.String()),
  detail: Nullable(Type.String()),
  recorded_at: Timestamp,
});

const Title = Type.String({ minLength: 1, maxLength: 500 });
const Author = Nullable(Type.String({ maxLength: 500 }));
const BookStatus = Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z_]+$', description: 'e.g. owned, ordered, wishlist' });
const TrackingNumber = Nullable(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 -]+$' }));
const Carrier = Nullable(Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_-]+$' }));

export const CreateBook = Type.Object(
  {
    title: Title,
    author: Type.Optional(Author),
    status: Type.Optional(BookStatus),
    tracking_number: Type.Optional(TrackingNumber),
    tracking_carrier: Type.Optional(Carrier),
    tracking_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateBook = Type.Object(
  {
    title: Type.Optional(Title),
    author: Type.Optional(Author),
    status: Type.Optional(BookStatus),
    tracking_number: Type.Optional(TrackingNumber),
    tracking_carrier: Type.Optional(Carrier),
    tracking_active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);

export const Image = Type.Object({
  id: Type.Integer(),
  book_id: Type.Integer(),
  s3_key: Type.String({ description: 'Key without the `books/` prefix' }),
  original_filename: Nullable(Type.String()),
  content_hash: Nullable(Type.String({ description: 'SHA-256 of the original, hex' })),
  image_type: Nullable(Type.String()),
  display_order: Type.Integer(),
  is_primary: Type.Boolean(),
  is_background_processed: Type.Boolean(),
  caption: Nullable(Type.String()),
  created_at: Timestamp,
  url: Type.String({ description: 'Presigned GET URL, or CDN URL when a CDN is configured' }),
  thumbnail_url: Type.String({ description: '300×300 JPEG thumbnail, same URL rule' }),
});

export const Job = Type.Object({
  job_id: Type.String({ format: 'uuid' }),
  outcome: Type.Union([Type.Literal('queued'), Type.Literal('queue_failed'), Type.Literal('existing')]),
  status: Type.String(),
});

export const RegisteredImage = Type.Object({
  image: Image,
  duplicate: Type.Boolean({ description: 'True when the same bytes were already an image of this book: `image` is that one' }),
  processing_job: Type.Optional(Job),
});

const CaptionText = Type.String({ maxLength: 2000 });
const ImageTypeText = Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z_]+$', description: 'e.g. cover, spine, back' });
const Caption = Nullable(CaptionText);
const ImageType = Nullable(ImageTypeText);
const Filename = Nullable(Type.String({ minLength: 1, maxLength: 255 }));

/**
 * The query string of a route that takes no query parameters: any one is a 400 naming it (`querystring.<name>`), never
 * silently ignored. `buildApp` gives it to every route without a querystring schema of its own; routes do not name it.
 */
export const NoQuery = Type.Object({}, { additionalProperties: false });

export const UpdateImage = Type.Object(
  { caption: Type.Optional(Caption), image_type: Type.Optional(ImageType), is_primary: Type.Optional(Type.Literal(true)) },
  { additionalProperties: false, minProperties: 1 },
);

/**
 * The upload's metadata, as query parameters (how BlueMoxon's clients send them) or multipart text parts: one
 * schema for both places. Unknown names are refused.
 */
export const UploadFields = Type.Object(
  {
    caption: Type.Optional(CaptionText),
    image_type: Type.Optional(ImageTypeText),
    is_primary: Type.Optional(Type.Boolean({ description: '`true`/`false` (also `1`/`0`, any case): make it the primary image' })),
  },
  { additionalProperties: false },
);

export const ReorderBody = Type.Object(
  {
    image_ids: Type.Array(Id('An image id of this book'), {
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      description: 'The new order; index 0 becomes primary. Images not listed keep their relative order after these.',
    }),
  },
  { additionalProperties: false },
);

export const UploadRequest = Type.Object(
  {
    content_type: Type.Union(
      [Type.Literal('image/jpeg'), Type.Literal('image/png'), Type.Literal('image/webp'), Type.Literal('image/gif')],
      { description: 'The type the PUT must send; the bytes are checked on complete' },
    ),
    filename: Type.Optional(Filename),
  },
  { additionalProperties: false },
);

export const UploadTicket = Type.Object({
  key: Type.String({ description: 'Pass it to `POST uploads/{key}/complete`' }),
  upload_url: Type.String({ description: 'PUT the file here with the same Content-Type' }),
  method: Type.Literal('PUT'),
  headers: Type.Record(Type.String(), Type.String()),
  expires_in: Type.Integer(),
  max_bytes: Type.Integer(),
});

export const CompleteParams = Type.Object({
  bookId: Id('The book id'),
  key: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$', description: 'The key returned by `POST uploads`' }),
});

export const CompleteBody = Type.Object(
  { original_filename: Type.Optional(Filename), caption: Type.Optional(Caption), image_type: Type.Optional(ImageType), is_primary: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const ItemId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The listing item id' });

export const ExtractBody = Type.Object(
  {
    url: Type.String({
      minLength: 8,
      maxLength: MAX_LISTING_URL_LENGTH,
      pattern: '^https?://[^\\s]+$',
      description:
        `The listing page, on one of eBay's sites: ${LISTING_SITE_DOMAINS.join(', ')} (the bare host, \`www.\` or \`m.\`; also ` +
        `befr.ebay.be, benl.ebay.be, cafr.ebay.ca), or an \`ebay.us\` short link, followed through those hosts only ` +
        `(at most ${MAX_SHORT_LINK_REDIRECTS} redirects). No user name, password or port; any other host is a 400.`,
    }),
    item_id: Type.Optional(ItemId),
  },
  { additionalProperties: false },
);
