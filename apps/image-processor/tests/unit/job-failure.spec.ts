// What a failed job says it failed on: the decode, the subject, the removal itself, or a dependency.
import { ImageDecodeError, removeBackground, SubjectNotFoundError } from '../../src/background/remove-background';
import type { Segmenter } from '../../src/background/segmenter';
import { attemptFailureReason, removalFailure } from '../../src/process-job';
import { blankImage, syntheticBookPhoto, toJpeg } from '../support/synthetic';

jest.setTimeout(60_000);

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('how a background-removal error settles a job', () => {
  it('fails permanently, as undecodable, when the pixels after a readable header are cut off', async () => {
    const photo = await toJpeg(syntheticBookPhoto({ width: 400, height: 300 }));
    const error = await errorOf(removeBackground(Buffer.concat([photo.subarray(0, 400), Buffer.alloc(64)])));
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect(removalFailure(error)).toEqual({ status: 'permanently_failed', reason: expect.stringMatching(/^image cannot be decoded: /) });
  });

  it('fails the attempt, naming the missing subject, when nothing stands out', async () => {
    const error = await errorOf(removeBackground(await blankImage(400, 300)));
    expect(error).toBeInstanceOf(SubjectNotFoundError);
    expect(removalFailure(error)).toEqual({ status: 'failed', reason: (error as Error).message });
  });

  it('leaves a failure of the segmentation itself to be retried, and the reason says it was the removal, not the decode', async () => {
    const broken: Segmenter = { method: 'broken', segment: () => Promise.reject(new Error('OpenCV aborted: out of memory')) };
    const error = await errorOf(removeBackground(await toJpeg(syntheticBookPhoto({ width: 400, height: 300 })), { segmenter: broken }));
    expect(error).not.toBeInstanceOf(ImageDecodeError);
    expect(removalFailure(error)).toBeUndefined();
    expect(attemptFailureReason(2, 'removing the background', error)).toBe('attempt 2 failed while removing the background: OpenCV aborted: out of memory');
  });

  it('names the dependency of a retried attempt', () => {
    const timeout = Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    expect(attemptFailureReason(1, 'reading the source image from the image storage (S3)', timeout)).toBe(
      'attempt 1 failed while reading the source image from the image storage (S3): connect ETIMEDOUT',
    );
  });
});
