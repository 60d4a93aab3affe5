/**
 * A diff reads two images; when one of them cannot be decoded the caller must be able to say
 * which. The engine marks each failure with the image it came from without changing its type
 * (a DecodeError stays a DecodeError, with its byte range).
 */
export type ImageSide = 'a' | 'b';

const SIDE = Symbol('diff.image');

export function markSide<E>(e: E, side: ImageSide): E {
  if (e !== null && typeof e === 'object' && !(SIDE in e)) Object.defineProperty(e, SIDE, { value: side });
  return e;
}

/** The image ('a' = old, 'b' = new) a diff failure came from, when known. */
export function failedImage(e: unknown): ImageSide | undefined {
  return e !== null && typeof e === 'object' && SIDE in e ? ((e as Record<symbol, ImageSide>)[SIDE]) : undefined;
}

/** Runs a read of one image, marking a failure with that image. */
export async function onSide<T>(side: ImageSide, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw markSide(e, side);
  }
}
