/**
 * A little-endian output cursor over a preallocated, zeroed image: what the composefs writers
 * (libcomposefs's layout in writer.ts, composefs-rs's format 2 in writer-v2.ts) emit through.
 */
export const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;

export interface Out {
  bytes: Uint8Array;
  view: DataView;
  pos: number;
}

export const u8 = (o: Out, v: number) => {
  o.view.setUint8(o.pos, v);
  o.pos += 1;
};
export const u16 = (o: Out, v: number) => {
  o.view.setUint16(o.pos, v & 0xffff, true);
  o.pos += 2;
};
export const u32 = (o: Out, v: number) => {
  o.view.setUint32(o.pos, v >>> 0, true);
  o.pos += 4;
};
export const u64 = (o: Out, v: bigint) => {
  o.view.setBigUint64(o.pos, BigInt.asUintN(64, v), true);
  o.pos += 8;
};
export const put = (o: Out, b: Uint8Array) => {
  o.bytes.set(b, o.pos);
  o.pos += b.length;
};
/** The image starts zeroed, so padding is just a skip. */
export const skip = (o: Out, n: number) => {
  o.pos += n;
};
export const align = (o: Out, a: number) => {
  o.pos = roundUp(o.pos, a);
};

export const newOut = (bytes: Uint8Array): Out => ({ bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos: 0 });
