/**
 * Where an image's backing objects live. mkcomposefs writes `--digest-store=objects` next to the
 * image, and images that share a store (a v1/ and a v2/ of the same tree) keep it one level up, so
 * both places are looked at. A store the user picked for an image wins over what was found, and is
 * remembered across runs in userData.
 */
import { isDirectory } from './services/file-source.ts';
import { dirname, join, resolve } from 'node:path';
import { jsonFile } from './recent.ts';

/** How many images' choices are kept; the oldest are forgotten first. */
export const STORE_CHOICES_LIMIT = 200;


/** `objects/` beside the image, then `objects/` in the folder above; only those that exist. */
export async function findObjectStores(imagePath: string): Promise<string[]> {
  const dir = dirname(resolve(imagePath));
  const candidates = [join(dir, 'objects'), join(dirname(dir), 'objects')];
  const found: string[] = [];
  for (const c of new Set(candidates)) if (await isDirectory(c)) found.push(c);
  return found;
}

export interface StoreChoices {
  /** The stores the user chose for this image, if any. */
  get(imagePath: string): string[] | undefined;
  set(imagePath: string, dirs: string[]): Promise<void>;
}

export async function loadStoreChoices(path: string, limit: number = STORE_CHOICES_LIMIT): Promise<StoreChoices> {
  const file = jsonFile(path);
  const stored = (await file.read()) as { images?: unknown } | undefined;
  // A Map keeps insertion order, which is what "forget the oldest" needs.
  const choices = new Map<string, string[]>();
  const images = stored?.images;
  if (images && typeof images === 'object' && !Array.isArray(images)) {
    for (const [image, dirs] of Object.entries(images)) {
      if (!Array.isArray(dirs)) continue;
      const good = dirs.filter((d): d is string => typeof d === 'string' && d !== '' && !d.includes('\0'));
      if (good.length > 0) choices.set(resolve(image), good.map((d) => resolve(d)));
    }
  }
  return {
    get: (imagePath) => choices.get(resolve(imagePath))?.slice(),
    set(imagePath, dirs) {
      const key = resolve(imagePath);
      choices.delete(key);
      if (dirs.length > 0) choices.set(key, dirs.map((d) => resolve(d)));
      while (choices.size > limit) choices.delete(choices.keys().next().value!);
      return file.write({ version: 1, images: Object.fromEntries(choices) });
    },
  };
}

/**
 * The stores to try for an image, in order: the user's remembered choice (those that still exist),
 * then the ones found beside it. Duplicates are dropped so a store is never searched twice.
 */
export async function objectStoresFor(imagePath: string, choices?: StoreChoices): Promise<string[]> {
  const chosen = choices?.get(imagePath) ?? [];
  const existing: string[] = [];
  for (const d of chosen) if (await isDirectory(d)) existing.push(d);
  return [...new Set([...existing, ...(await findObjectStores(imagePath))])];
}
