/**
 * The sharing ledger: every distinct unit of one scheme (file, block or chunk), keyed by 64 bits of
 * its SHA-256, with the set of images that hold it. Images are added oldest first, so a unit's
 * first image is the one whose client had to download it.
 *
 * Budget: MAX_UNITS distinct units per scheme (20 bytes each at a load factor of 1/2, so at most
 * about 1.3 GiB at the limit; a 10 GiB image set of 4 KiB blocks needs about 2.6 M units, 160 MiB).
 * Past it the analysis stops with an error naming the limit rather than exhausting memory.
 */
export const MAX_UNITS = 1 << 25;
/** Images per analysis: each unit records its images as bits of one 32-bit word. */
export const MAX_IMAGES = 32;

export class LedgerLimitError extends Error {}

export class UnitTable {
  private cap = 1 << 12;
  private hi = new Uint32Array(this.cap);
  private lo = new Uint32Array(this.cap);
  private mask = new Uint32Array(this.cap); // 0 = empty slot
  private len = new Float64Array(this.cap);
  size = 0;

  /**
   * Records that image `image` holds the unit; returns the image mask as it was before (0 when
   * the unit is new to every image).
   */
  add(hi: number, lo: number, length: number, image: number): number {
    if ((this.size + 1) * 2 > this.cap) this.grow();
    const m = this.cap - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & m;
    for (;;) {
      const have = this.mask[i]!;
      if (have === 0) {
        this.hi[i] = hi;
        this.lo[i] = lo;
        this.len[i] = length;
        this.mask[i] = (1 << image) >>> 0;
        this.size++;
        return 0;
      }
      if (this.hi[i] === hi && this.lo[i] === lo) {
        this.mask[i] = (have | (1 << image)) >>> 0;
        return have;
      }
      i = (i + 1) & m;
    }
  }

  private grow(): void {
    if (this.cap * 2 > MAX_UNITS * 2) {
      throw new LedgerLimitError(`more than ${MAX_UNITS} distinct units in one scheme: the sharing ledger's budget (about 1.3 GiB) is reached; analyse fewer or smaller images, or use a larger --block-size`);
    }
    const old = { hi: this.hi, lo: this.lo, mask: this.mask, len: this.len, cap: this.cap };
    this.cap *= 2;
    this.hi = new Uint32Array(this.cap);
    this.lo = new Uint32Array(this.cap);
    this.mask = new Uint32Array(this.cap);
    this.len = new Float64Array(this.cap);
    const m = this.cap - 1;
    for (let j = 0; j < old.cap; j++) {
      if (old.mask[j] === 0) continue;
      let i = (old.lo[j]! ^ Math.imul(old.hi[j]!, 0x9e3779b1)) & m;
      while (this.mask[i] !== 0) i = (i + 1) & m;
      this.hi[i] = old.hi[j]!;
      this.lo[i] = old.lo[j]!;
      this.mask[i] = old.mask[j]!;
      this.len[i] = old.len[j]!;
    }
  }

  /** Calls `fn(mask, length)` once per distinct unit. */
  forEach(fn: (mask: number, length: number) => void): void {
    for (let i = 0; i < this.cap; i++) if (this.mask[i] !== 0) fn(this.mask[i]!, this.len[i]!);
  }
}
