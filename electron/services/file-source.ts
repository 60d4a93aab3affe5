/** ByteSource over a file on disk (Node side only). */
import { open, type FileHandle } from 'node:fs/promises';
import { outOfRange, type ByteSource } from '../../shared/bytes/source.ts';

export async function fileSource(path: string): Promise<ByteSource & { path: string }> {
  const fh: FileHandle = await open(path, 'r');
  let size: number;
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`${path}: is a directory`), { code: 'EISDIR', syscall: 'open', path });
    size = st.size;
  } catch (e) {
    await fh.close();
    throw e;
  }
  return {
    path,
    size,
    async read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw outOfRange(offset, length, size);
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw outOfRange(offset, length, offset + done); // file shrank under us
        done += bytesRead;
      }
      return buf;
    },
    close: () => fh.close(),
  };
}
