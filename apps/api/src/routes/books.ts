import { Type } from '@fastify/type-provider-typebox';
import { listGallery, listTrackingEvents, sql } from '@bmx/db';
import { storedImageObjectKeys } from '@bmx/images';
import type { ApiApp, AppDeps } from '../app-deps';
import { notFound } from '../errors';
import { BookIdParams, Book, CreateBook, errors, ListQuery, TrackingEvent, UpdateBook } from '../schemas';
import { requireBook } from '../services/images';
import { deleteObjects } from '../services/storage';

const tags = ['books'];

/** A small books CRUD, so images have something to hang on. */
export function bookRoutes(app: ApiApp, { db, config }: AppDeps): void {
  app.get(
    '/api/v1/books',
    { schema: { tags, summary: 'List books, newest first', querystring: ListQuery, response: { 200: Type.Object({ books: Type.Array(Book) }), ...errors(400, 401, 403) } } },
    async (request) => {
      const { limit = 50, offset = 0 } = request.query;
      const books = await db.selectFrom('books').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute();
      return { books };
    },
  );

  app.post(
    '/api/v1/books',
    { schema: { tags, summary: 'Create a book', body: CreateBook, response: { 201: Book, ...errors(400, 401, 403) } } },
    async (request, reply) => {
      const book = await db.insertInto('books').values(request.body).returningAll().executeTakeFirstOrThrow();
      return reply.status(201).send(book);
    },
  );

  app.get(
    '/api/v1/books/:bookId',
    { schema: { tags, summary: 'One book', params: BookIdParams, response: { 200: Book, ...errors(400, 401, 403, 404) } } },
    async (request) => {
      const book = await db.selectFrom('books').selectAll().where('id', '=', request.params.bookId).executeTakeFirst();
      if (!book) throw notFound(`Book ${request.params.bookId} does not exist`);
      return book;
    },
  );

  app.get(
    '/api/v1/books/:bookId/tracking-events',
    {
      schema: {
        tags,
        summary: "The book's parcel tracking history, oldest first",
        params: BookIdParams,
        response: { 200: Type.Object({ events: Type.Array(TrackingEvent) }), ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      await requireBook(db, request.params.bookId);
      return { events: await listTrackingEvents(db, request.params.bookId) };
    },
  );

  app.patch(
    '/api/v1/books/:bookId',
    { schema: { tags, summary: 'Change some fields of a book', params: BookIdParams, body: UpdateBook, response: { 200: Book, ...errors(400, 401, 403, 404) } } },
    async (request) => {
      const book = await db
        .updateTable('books')
        .set({ ...request.body, updated_at: sql`now()` })
        .where('id', '=', request.params.bookId)
        .returningAll()
        .executeTakeFirst();
      if (!book) throw notFound(`Book ${request.params.bookId} does not exist`);
      return book;
    },
  );

  app.delete(
    '/api/v1/books/:bookId',
    {
      schema: {
        tags,
        summary: 'Delete a book, its images (objects and thumbnails) and its jobs',
        params: BookIdParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const { bookId } = request.params;
      await requireBook(db, bookId);
      const images = await listGallery(db, bookId);
      // Objects first: if S3 fails the book stays, so the delete can be repeated and nothing is orphaned.
      if (images.length > 0) {
        await deleteObjects(config.imagesBucket, images.flatMap((image) => Object.values(storedImageObjectKeys(image))));
      }
      await db.deleteFrom('books').where('id', '=', bookId).execute();
      return reply.status(204).send(null);
    },
  );
}
