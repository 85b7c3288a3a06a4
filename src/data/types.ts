/**
 * The data's plain type, which anything (the notebook's displays, figures) can import without
 * importing the functions that make and check it (`labeled_images.ts`).
 *
 * @module
 */

/** Images and labels read from an IDX pair: `count` images of `rows` x `cols` bytes. */
export interface LabeledImages {
  /** Pixels, `count * rows * cols` bytes, image after image, 0 = background. */
  images: Uint8Array;
  /** One class index per image. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  /** Image height. */
  rows: number;
  /** Image width. */
  cols: number;
}
