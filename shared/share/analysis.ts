/**
 * What file-, block- and chunk-level deduplication would save across a series of images, from the
 * units of each image (units.ts) added oldest first. Every figure is in bytes of file data.
 */
import { LedgerLimitError, MAX_IMAGES, UnitTable } from './ledger.ts';
import { SCHEMES, type ImageUnits, type Scheme, type UnitList } from './units.ts';

export { LedgerLimitError };

export interface SchemeFigures {
  /** Bytes after deduplicating this image's units against each other. */
  unique: number;
  /** Download delta: bytes of units no earlier image holds (what a client with images 1..k-1 fetches). */
  delta: number;
  /** Distinct units in this image. */
  units: number;
}

export interface FileSaving {
  path: string;
  size: number;
  /** Delta bytes of this file under whole-file deduplication. */
  fileDelta: number;
  /** Delta bytes of this file under the other scheme. */
  schemeDelta: number;
}

export interface ImageShare {
  name: string;
  files: number;
  /** Sum of file sizes, hard links counted once. */
  logical: number;
  schemes: Record<Scheme, SchemeFigures>;
  /** Per scheme other than 'file': the files where that scheme's delta is smallest next to the whole-file delta. */
  topSavings: Record<Exclude<Scheme, 'file'>, FileSaving[]>;
}

export interface ShareReport {
  images: ImageShare[];
  set: {
    logical: number;
    /** Bytes after deduplicating all images together, per scheme. */
    unique: Record<Scheme, number>;
    /**
     * Page cache when every image runs at once and every file is read: composefs's whole-file
     * objects are one inode each, so identical files share pages; block and chunk sharing happens
     * below the file and does not reach the page cache, so every file's pages are its own.
     */
    pageCache: { resident: number; shared: number };
  };
  /** pairwise[scheme][i][j]: bytes of image i's distinct units that image j holds too (diagonal: unique). */
  pairwise: Record<Scheme, number[][]>;
}

const TOP_FILES = 10;

/** Adds images one at a time (oldest first) so only one image's units are held at once. */
export class ShareAnalysis {
  private readonly tables: Record<Scheme, UnitTable> = {
    file: new UnitTable(), block: new UnitTable(), casync: new UnitTable(), fastcdc: new UnitTable(),
  };
  private readonly images: ImageShare[] = [];

  add(name: string, units: ImageUnits): ImageShare {
    const k = this.images.length;
    if (k >= MAX_IMAGES) throw new LedgerLimitError(`at most ${MAX_IMAGES} images can be analysed together`);
    const schemes = {} as Record<Scheme, SchemeFigures>;
    const fileDelta = {} as Record<Scheme, Float64Array>;
    for (const s of SCHEMES) {
      const r = this.addScheme(this.tables[s], units.units[s], k, units.files.length);
      schemes[s] = r.figures;
      fileDelta[s] = r.fileDelta;
    }
    const image: ImageShare = {
      name,
      files: units.files.length,
      logical: units.logical,
      schemes,
      topSavings: {
        block: topSavings(units, fileDelta.file, fileDelta.block),
        casync: topSavings(units, fileDelta.file, fileDelta.casync),
        fastcdc: topSavings(units, fileDelta.file, fileDelta.fastcdc),
      },
    };
    this.images.push(image);
    return image;
  }

  private addScheme(table: UnitTable, list: UnitList, k: number, fileCount: number) {
    const bit = 1 << k;
    const earlier = bit - 1;
    const figures: SchemeFigures = { unique: 0, delta: 0, units: 0 };
    // Per occurrence: 1 when it is the image's first copy of the unit, 2 when no earlier image had it.
    const flags = new Uint8Array(list.count);
    for (let u = 0; u < list.count; u++) {
      const before = table.add(list.hi[u]!, list.lo[u]!, list.length[u]!, k);
      if (before & bit) continue;
      figures.unique += list.length[u]!;
      figures.units++;
      flags[u] = 1;
      if ((before & earlier) === 0) {
        figures.delta += list.length[u]!;
        flags[u] = 2;
      }
    }
    const fileDelta = new Float64Array(fileCount);
    for (let a = 0; a < list.attrCount; a++) {
      if (flags[list.attrUnit[a]!] === 2) fileDelta[list.attrFile[a]!]! += list.attrBytes[a]!;
    }
    return { figures, fileDelta };
  }

  report(): ShareReport {
    const n = this.images.length;
    const unique = {} as Record<Scheme, number>;
    const pairwise = {} as Record<Scheme, number[][]>;
    for (const s of SCHEMES) {
      const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      let total = 0;
      this.tables[s].forEach((mask, length) => {
        total += length;
        for (let i = 0; i < n; i++) {
          if (!(mask & (1 << i))) continue;
          for (let j = 0; j < n; j++) if (mask & (1 << j)) m[i]![j]! += length;
        }
      });
      unique[s] = total;
      pairwise[s] = m;
    }
    const logical = this.images.reduce((a, i) => a + i.logical, 0);
    return {
      images: this.images,
      set: { logical, unique, pageCache: { resident: unique.file, shared: logical - unique.file } },
      pairwise,
    };
  }
}

function topSavings(units: ImageUnits, fileDelta: Float64Array, schemeDelta: Float64Array): FileSaving[] {
  const idx: number[] = [];
  for (let f = 0; f < units.files.length; f++) if (fileDelta[f]! - schemeDelta[f]! > 0) idx.push(f);
  idx.sort((a, b) => fileDelta[b]! - schemeDelta[b]! - (fileDelta[a]! - schemeDelta[a]!) || a - b);
  return idx.slice(0, TOP_FILES).map((f) => ({
    path: units.files[f]!.path,
    size: units.files[f]!.size,
    fileDelta: fileDelta[f]!,
    schemeDelta: schemeDelta[f]!,
  }));
}
