/** What selection needs to know about a book's image. */
export interface CandidateImage {
  id: number;
  image_type: string | null;
  is_primary: boolean;
  is_background_processed: boolean;
  display_order: number;
}

/** Image types worth cleaning up, best first: the title page identifies an edition best. */
export const SOURCE_TYPE_PRIORITY = ['title_page', 'binding', 'cover', 'spine'] as const;

/** Why an image was chosen, for the log. */
export type SelectionRule = 'type_priority' | 'primary' | 'requested';

/**
 * Picks the image to process for a book:
 * 1. a not-yet-processed image by type priority ({@link SOURCE_TYPE_PRIORITY}), lowest display order first.
 *    Not yet processed: neither a processed result itself nor in `alreadyProcessed` (the sources of the book's
 *    completed jobs), so the jobs of a book with a cover and a spine photo process each once, not the cover twice;
 * 2. else the primary image, unless it is itself a processed result (processing a result again only degrades it);
 * 3. else the requested image, if it belongs to the book (an explicit request to process an image again).
 * Undefined when none of these exists (the requested image was deleted, for instance).
 */
export function selectSourceImage<T extends CandidateImage>(
  images: readonly T[],
  requestedImageId: number,
  alreadyProcessed: ReadonlySet<number> = new Set(),
): { image: T; rule: SelectionRule } | undefined {
  const byOrder = [...images].sort((a, b) => a.display_order - b.display_order || a.id - b.id);
  for (const type of SOURCE_TYPE_PRIORITY) {
    const found = byOrder.find((image) => !image.is_background_processed && !alreadyProcessed.has(image.id) && image.image_type === type);
    if (found) return { image: found, rule: 'type_priority' };
  }
  const primary = byOrder.find((image) => image.is_primary && !image.is_background_processed);
  if (primary) return { image: primary, rule: 'primary' };
  const requested = byOrder.find((image) => image.id === requestedImageId);
  return requested ? { image: requested, rule: 'requested' } : undefined;
}
