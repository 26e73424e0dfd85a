import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getS3Client } from '@bmx/aws-clients';

/** Where images are read from and written to. An interface so the job logic can be tested without S3. */
export interface ImageStore {
  /** The object's bytes; throws {@link ObjectTooLargeError} past `maxBytes`, and S3's error otherwise. */
  get(key: string, maxBytes: number): Promise<Buffer>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The object is bigger than any image the processor accepts; downloading it again will not help. */
export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
}

/** An {@link ImageStore} on one S3 bucket, through the shared client (timeouts and retries from its profile). */
export function s3ImageStore(bucket: string): ImageStore {
  return {
    async get(key, maxBytes) {
      const out = await getS3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
        await out.Body?.transformToByteArray().catch(() => undefined);
        throw new ObjectTooLargeError(`object is ${out.ContentLength} bytes; the limit is ${maxBytes}`);
      }
      const bytes = await out.Body?.transformToByteArray();
      if (!bytes) throw new Error(`S3 returned no body for ${key}`);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    async put(key, body, contentType) {
      await getS3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async delete(key) {
      await getS3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
