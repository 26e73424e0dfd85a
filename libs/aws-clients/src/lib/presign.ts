import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getS3Client } from './clients';

/** Longest lifetime S3 accepts for a SigV4 presigned URL: 7 days. */
export const MAX_PRESIGN_SECONDS = 604_800;

function checkExpiry(expiresInSeconds: number): number {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS}, got ${expiresInSeconds}`);
  }
  return expiresInSeconds;
}

/** A presigned GET URL for `bucket/key`, valid for `expiresInSeconds` (default 1 hour). */
export async function presignGetUrl(bucket: string, key: string, expiresInSeconds = 3600): Promise<string> {
  return getSignedUrl(getS3Client(), new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn: checkExpiry(expiresInSeconds),
  });
}

/** A presigned PUT URL for `bucket/key`; the uploader must send the same `contentType`. Default 15 minutes. */
export async function presignPutUrl(
  bucket: string,
  key: string,
  contentType: string,
  expiresInSeconds = 900,
): Promise<string> {
  return getSignedUrl(getS3Client(), new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }), {
    expiresIn: checkExpiry(expiresInSeconds),
  });
}
