/** struct CaFormatPayload: a regular file's bytes, right after its header. */
import type { CaFormatHeader } from './header.ts';
import { CA_FORMAT_HEADER_SIZE } from './caformat.ts';

export interface CaFormatPayload {
  offset: number;
  /** Absolute offset of the first data byte. */
  dataOffset: number;
  /** The file size: the record size less the header. */
  size: number;
}

/** Only the header is read: the data is reached by offset when a reader asks for it. */
export const decodePayload = (h: CaFormatHeader): CaFormatPayload => ({
  offset: h.offset,
  dataOffset: h.offset + CA_FORMAT_HEADER_SIZE,
  size: h.size - CA_FORMAT_HEADER_SIZE,
});
