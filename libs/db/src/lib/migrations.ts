import { Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';

/**
 * The schema's history, oldest first. Migrations live in code (not files on disk) so they travel inside every
 * Lambda bundle. Never edit one that has shipped: add the next.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE books (
          id serial PRIMARY KEY,
          title text NOT NULL,
          author text,
          status text NOT NULL DEFAULT 'owned',
          tracking_number text,
          tracking_carrier text,
          tracking_status text,
          tracking_active boolean NOT NULL DEFAULT false,
          tracking_last_checked timestamptz,
          tracking_delivered_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`CREATE INDEX books_tracking_active_idx ON books (id) WHERE tracking_active AND tracking_number IS NOT NULL`.execute(db);

      await sql`
        CREATE TABLE book_images (
          id serial PRIMARY KEY,
          book_id integer NOT NULL REFERENCES books (id) ON DELETE CASCADE,
          s3_key text NOT NULL,
          original_filename text,
          content_hash text,
          image_type text,
          display_order integer NOT NULL DEFAULT 0,
          is_primary boolean NOT NULL DEFAULT false,
          is_background_processed boolean NOT NULL DEFAULT false,
          caption text,
          created_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`CREATE INDEX book_images_book_idx ON book_images (book_id, display_order)`.execute(db);
      await sql`CREATE UNIQUE INDEX book_images_hash_uq ON book_images (book_id, content_hash) WHERE content_hash IS NOT NULL`.execute(db);

      await sql`
        CREATE TABLE image_processing_jobs (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          book_id integer NOT NULL REFERENCES books (id) ON DELETE CASCADE,
          source_image_id integer NOT NULL REFERENCES book_images (id) ON DELETE CASCADE,
          processed_image_id integer REFERENCES book_images (id) ON DELETE SET NULL,
          status text NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'queue_failed', 'permanently_failed')),
          attempt_count integer NOT NULL DEFAULT 0,
          queue_retry_count integer NOT NULL DEFAULT 0,
          model_used text,
          failure_reason text,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          completed_at timestamptz
        )`.execute(db);
      // At most one live job per source image.
      await sql`
        CREATE UNIQUE INDEX image_jobs_one_live_uq ON image_processing_jobs (source_image_id)
        WHERE status IN ('pending', 'processing')`.execute(db);
      await sql`CREATE INDEX image_jobs_status_idx ON image_processing_jobs (status, created_at)`.execute(db);

      await sql`
        CREATE TABLE tracking_events (
          id serial PRIMARY KEY,
          book_id integer NOT NULL REFERENCES books (id) ON DELETE CASCADE,
          carrier text NOT NULL,
          status text NOT NULL,
          previous_status text,
          detail text,
          recorded_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`CREATE INDEX tracking_events_book_idx ON tracking_events (book_id, recorded_at)`.execute(db);

      await sql`
        CREATE TABLE carrier_circuits (
          carrier text PRIMARY KEY,
          failure_count integer NOT NULL DEFAULT 0,
          open_until timestamptz,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);

      await sql`
        CREATE TABLE api_keys (
          id serial PRIMARY KEY,
          name text NOT NULL,
          key_hash text NOT NULL UNIQUE,
          role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
          created_at timestamptz NOT NULL DEFAULT now(),
          revoked_at timestamptz
        )`.execute(db);
    },
  },
  '0002_thumbnail_key_rule': {
    async up(db: Kysely<unknown>) {
      // Galleries migrated from BlueMoxon keep its thumbnail keys: see THUMBNAIL_KEY_RULES in @bmx/images.
      await sql`
        ALTER TABLE book_images
        ADD COLUMN thumbnail_key_rule text NOT NULL DEFAULT 'jpg_stem'
        CONSTRAINT book_images_thumbnail_key_rule_check CHECK (thumbnail_key_rule IN ('jpg_stem', 'bluemoxon'))`.execute(db);
    },
  },
  '0003_job_correlation_id': {
    // The id that follows one upload from the API's request to the image processor's log lines (X-Correlation-Id).
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE image_processing_jobs ADD COLUMN correlation_id text`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** One migration and whether it has run. */
export interface MigrationState {
  name: string;
  /** When it ran; undefined while pending. */
  executedAt?: Date;
}

/** Every migration the code knows, oldest first, with when each ran: what `admin db status` prints. */
export async function migrationStatus(db: Kysely<unknown>): Promise<MigrationState[]> {
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.map((m) => ({ name: m.name, ...(m.executedAt ? { executedAt: m.executedAt } : {}) }));
}
