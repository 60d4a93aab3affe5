/**
 * Random-access byte sources. The format core only ever sees this interface: a Node file handle,
 * an ArrayBuffer in a browser, or a test's in-memory image all look the same.
 */
import { DecodeError, hex } from './cursor.ts';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; rejects with a DecodeError when the range lies past the end. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Optional: release resources (file handles). */
  close?(): Promise<void>;
}

/**
 * Files beside an image that some formats need (a casync chunk store, blobs, an OCI layout's
 * blobs), found by the Node side relative to the image's folder. The format core names them by
 * relative path and never touches the file system itself.
 */
export interface SiblingFiles {
  /** Where they are looked up, for messages. */
  readonly where: string;
  /**
   * The whole file at `relativePath` ("/"-separated, no ".." or absolute paths), or undefined when
   * there is none. Rejects when the file holds more than maxBytes.
   */
  read(relativePath: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

export function outOfRange(offset: number, length: number, size: number, what = 'read'): DecodeError {
  return new DecodeError(
    `${what} of ${length} bytes at ${hex(offset)} runs past the end of the image (${size} bytes)`,
    offset,
    length,
    'image.truncated',
  );
}

/** A source over bytes already in memory. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) throw outOfRange(offset, length, bytes.length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Wraps a source and counts what is read through it (tests use this to prove lazy reading). */
export function countingSource(inner: ByteSource): ByteSource & { bytesRead: number; reads: number } {
  const s = {
    size: inner.size,
    bytesRead: 0,
    reads: 0,
    async read(offset: number, length: number) {
      s.bytesRead += length;
      s.reads++;
      return inner.read(offset, length);
    },
    close: inner.close?.bind(inner),
  };
  return s;
}
