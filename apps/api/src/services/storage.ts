import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type _Object,
} from '@aws-sdk/client-s3';
import { getS3Client, presignGetUrl, REQUEST_PATH_PROFILE } from '@bmx/aws-clients';
import { storedImageObjectKeys, type StoredImage } from '@bmx/images';
import { awsStatus, callDependency, DependencyError } from '../errors';

/** How image URLs are made: one rule for every response. */
export interface UrlSettings {
  bucket: string;
  /** When set, URLs are `{cdnBaseUrl}/{objectKey}`; otherwise presigned GET URLs. */
  cdnBaseUrl?: string;
  presignTtlSeconds: number;
  /** The same presigned URL for the same object for this many seconds (see `PRESIGN_REUSE_SECONDS`). */
  presignReuseSeconds: number;
}

/**
 * A presigned GET URL, the same one for the same object within `presignReuseSeconds` (so browsers and CDNs can cache
 * it): every presigned URL the API hands out, images and listings alike, is made here.
 */
export function presignedUrl(settings: Pick<UrlSettings, 'bucket' | 'presignTtlSeconds' | 'presignReuseSeconds'>, objectKey: string): Promise<string> {
  return presignGetUrl(settings.bucket, objectKey, settings.presignTtlSeconds, { reuseSeconds: settings.presignReuseSeconds });
}

/** The URL of one object under the configured rule. */
export async function objectUrl(settings: UrlSettings, objectKey: string): Promise<string> {
  if (settings.cdnBaseUrl) return `${settings.cdnBaseUrl}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
  return presignedUrl(settings, objectKey);
}

/** `url` and `thumbnail_url` of a stored image, its thumbnail under the image's own key rule. */
export async function imageUrls(settings: UrlSettings, image: StoredImage): Promise<{ url: string; thumbnail_url: string }> {
  const keys = storedImageObjectKeys(image);
  const [url, thumbnail_url] = await Promise.all([objectUrl(settings, keys.original), objectUrl(settings, keys.thumbnail)]);
  return { url, thumbnail_url };
}

export function putObject(bucket: string, key: string, body: Buffer, contentType: string): Promise<void> {
  return callDependency('S3', async () => {
    await getS3Client(REQUEST_PATH_PROFILE).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  });
}

/** The object's size and type, or undefined when it does not exist. */
export function headObject(bucket: string, key: string): Promise<{ size: number; contentType?: string } | undefined> {
  return callDependency('S3', async () => {
    try {
      const out = await getS3Client(REQUEST_PATH_PROFILE).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType };
    } catch (error) {
      if (awsStatus(error) === 404) return undefined;
      throw error;
    }
  });
}

export function getObjectBytes(bucket: string, key: string): Promise<Buffer> {
  return callDependency('S3', async () => {
    const out = await getS3Client(REQUEST_PATH_PROFILE).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) throw new Error(`GetObject returned no body for ${key}`);
    return Buffer.from(await out.Body.transformToByteArray());
  });
}

/**
 * Deletes the keys; throws {@link DependencyError} when S3 cannot be reached or refuses any key, so a
 * caller never believes an object is gone when it is not.
 */
export async function deleteObjects(bucket: string, keys: string[]): Promise<void> {
  // DeleteObjects takes at most 1000 keys a call.
  for (let start = 0; start < keys.length; start += 1000) {
    const chunk = keys.slice(start, start + 1000);
    const out = await callDependency('S3', () =>
      getS3Client(REQUEST_PATH_PROFILE).send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } })),
    );
    const failed = out.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new DependencyError('S3', new Error(`could not delete ${failed.length} object(s): ${first?.Key} ${first?.Code} ${first?.Message ?? ''}`.trim()));
    }
  }
}

/** Every object under `prefix` (at most `limit`). */
export function listObjects(bucket: string, prefix: string, limit = 1000): Promise<_Object[]> {
  return callDependency('S3', async () => {
    const out = await getS3Client(REQUEST_PATH_PROFILE).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: limit }));
    return out.Contents ?? [];
  });
}
