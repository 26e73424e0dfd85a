import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A timestamp the database fills in (DEFAULT now()): optional on insert, a Date when read. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** Every state an image-processing job can be in. */
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'queue_failed', 'permanently_failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Roles an API key can have, weakest first. */
export const API_KEY_ROLES = ['viewer', 'editor', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface BooksTable {
  id: Generated<number>;
  title: string;
  author: string | null;
  status: Generated<string>;
  tracking_number: string | null;
  tracking_carrier: string | null;
  tracking_status: string | null;
  tracking_active: Generated<boolean>;
  tracking_last_checked: NullableTimestamp;
  tracking_delivered_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BookImagesTable {
  id: Generated<number>;
  book_id: number;
  /** Key without the `books/` prefix. */
  s3_key: string;
  original_filename: string | null;
  /** SHA-256 of the original bytes, hex. */
  content_hash: string | null;
  image_type: string | null;
  display_order: Generated<number>;
  is_primary: Generated<boolean>;
  is_background_processed: Generated<boolean>;
  caption: string | null;
  /**
   * How the thumbnail's key follows from `s3_key`: `jpg_stem` (ours, `thumb_{stem}.jpg`) or `bluemoxon` (migrated,
   * `thumb_{key}`). The rules live in @bmx/images (`THUMBNAIL_KEY_RULES`); a CHECK constraint allows only those.
   */
  thumbnail_key_rule: Generated<string>;
  created_at: Timestamp;
}

export interface ImageProcessingJobsTable {
  id: Generated<string>;
  book_id: number;
  source_image_id: number;
  processed_image_id: number | null;
  status: Generated<JobStatus>;
  attempt_count: Generated<number>;
  queue_retry_count: Generated<number>;
  model_used: string | null;
  failure_reason: string | null;
  /** The X-Correlation-Id of the request that queued the job (or the one the API made); sent with every message. */
  correlation_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: NullableTimestamp;
}

/** One change of a parcel's status, as the tracking worker saw it. */
export interface TrackingEventsTable {
  id: Generated<number>;
  book_id: number;
  carrier: string;
  status: string;
  previous_status: string | null;
  detail: string | null;
  recorded_at: Timestamp;
}

/** Per-carrier circuit breaker state. */
export interface CarrierCircuitsTable {
  carrier: string;
  failure_count: Generated<number>;
  /** When set and in the future, calls to this carrier are not made. */
  open_until: NullableTimestamp;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  /** SHA-256 of the key, hex; the key itself is never stored. */
  key_hash: string;
  role: ApiKeyRole;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  books: BooksTable;
  book_images: BookImagesTable;
  image_processing_jobs: ImageProcessingJobsTable;
  tracking_events: TrackingEventsTable;
  carrier_circuits: CarrierCircuitsTable;
  api_keys: ApiKeysTable;
}

export type Book = Selectable<BooksTable>;
export type NewBook = Insertable<BooksTable>;
export type BookUpdate = Updateable<BooksTable>;
export type BookImage = Selectable<BookImagesTable>;
export type NewBookImage = Insertable<BookImagesTable>;
export type ImageProcessingJob = Selectable<ImageProcessingJobsTable>;
export type TrackingEvent = Selectable<TrackingEventsTable>;
export type CarrierCircuit = Selectable<CarrierCircuitsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
