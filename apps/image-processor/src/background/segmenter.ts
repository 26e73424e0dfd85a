// The seam between the job pipeline and the segmentation method: a decoded photo in, a full-size subject mask out.
// Another method (a learned model, say) is added by implementing Segmenter; nothing else changes.

/** A decoded photo: 8-bit sRGB, 3 bytes a pixel, rows top to bottom, after EXIF rotation. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The subject of a photo, at the photo's own size. */
export interface SubjectMask {
  /** Opacity per source pixel, 0 (background) to 255 (subject); edge pixels may lie between. */
  alpha: Uint8Array;
  width: number;
  height: number;
  /** The outline when the subject was fitted with a polygon (source pixels, in order), else absent. */
  outline?: Array<[number, number]>;
  /** Method-specific figures for logs and the cutout command. */
  details: Record<string, number | string>;
}

/** A segmentation method. `method` is recorded as the job's `model_used`. */
export interface Segmenter {
  readonly method: string;
  /** Throws {@link SubjectNotFoundError} when the photo has no subject it can find. */
  segment(image: RgbImage): Promise<SubjectMask>;
}

/** The image has no usable subject; retrying the same image gives the same answer. */
export class SubjectNotFoundError extends Error {
  override readonly name = 'SubjectNotFoundError';
}
