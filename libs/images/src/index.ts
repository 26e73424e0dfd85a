export { detectImageFormat, IMAGE_FORMATS, type ImageFormat } from './lib/image-type';
export {
  BOOKS_PREFIX,
  imageObjectKey,
  storedImageObjectKeys,
  stripBooksPrefix,
  THUMBNAIL_KEY_RULES,
  thumbnailObjectKey,
  type StoredImage,
  type ThumbnailKeyRule,
} from './lib/keys';
export { makeThumbnail, THUMBNAIL_QUALITY, THUMBNAIL_SIZE } from './lib/thumbnail';
export { parseImageJobMessage, type ImageJobMessage } from './lib/job-message';
