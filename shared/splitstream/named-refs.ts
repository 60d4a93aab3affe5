/**
 * Named references (zstd-compressed section): NUL-terminated records "n:name", n an index into the
 * stream refs array. composefs-rs's OCI code names config and layer streams this way
 * ("config:sha256:…", a layer's diff_id) and an image's EROFS ("composefs.image").
 */
import { DecodeError } from '../bytes/cursor.ts';

export interface NamedRef {
  name: string;
  /** Index into the stream refs array. */
  stream: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeNamedRefs(data: Uint8Array, streamCount: number, maxRefs: number): NamedRef[] {
  const refs: NamedRef[] = [];
  let start = 0;
  while (start < data.length) {
    const end = data.indexOf(0, start);
    if (end < 0) throw new DecodeError(`named ref at section offset ${start} has no NUL terminator`, start, data.length - start, 'splitstream.named-ref');
    if (refs.length >= maxRefs) throw new DecodeError(`more than ${maxRefs} named refs`, start, 0, 'budget.splitstream-named-refs');
    const record = utf8.decode(data.subarray(start, end));
    const colon = record.indexOf(':');
    const index = colon > 0 && /^\d+$/.test(record.slice(0, colon)) ? Number(record.slice(0, colon)) : NaN;
    if (!Number.isSafeInteger(index) || index >= streamCount) {
      throw new DecodeError(`named ref ${JSON.stringify(record.slice(0, 80))} does not start with an index below ${streamCount} and ":"`, start, end - start, 'splitstream.named-ref');
    }
    refs.push({ stream: index, name: record.slice(colon + 1) });
    start = end + 1;
  }
  return refs;
}
