import { IMAGE_DATA_LAYOUTS, imageDataLayout, type ImageDataLayout } from '../../../shared/composefs/data.ts';
import { createByteSet } from '../../../shared/bytes/byte-set.ts';
import { walkComposefs } from '../../../shared/composefs/dump.ts';
import { S_IFMT, S_IFREG, toHex, type ImageReader } from '../../../shared/model.ts';
import { digestFileSync } from '../../verity/node-hash.ts';
import { UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';
import { EROFS_FEATURE_INCOMPAT_COMPR_CFGS, EROFS_FEATURE_INCOMPAT_ZERO_PADDING } from '../../../shared/erofs/erofs_fs.ts';
import type { ErofsReader } from '../../../shared/erofs/reader.ts';
import { compressionRows, compressionStats, type CompressionStats } from '../../../shared/erofs/zinfo.ts';

interface Counts {
  entries: number;
  byKind: Record<string, number>;
  hardlinks: number;
  whiteouts: number;
  withObject: number;
  withDigest: number;
  /** Files whose bytes are in the image, whatever the layout (verify calls these 'inline'). */
  withImageData: number;
  imageDataByLayout: Partial<Record<ImageDataLayout, number>>;
  objects: number;
  problems: number;
}

const LAYOUT_LABEL: Record<ImageDataLayout, string> = {
  inline: 'inline (in the inode)',
  blocks: 'in blocks',
  chunks: 'chunked',
  compressed: 'compressed',
};

async function count(r: ImageReader): Promise<Counts> {
  const c: Counts = { entries: 0, byKind: {}, hardlinks: 0, whiteouts: 0, withObject: 0, withDigest: 0, withImageData: 0, imageDataByLayout: {}, objects: 0, problems: 0 };
  // Distinct object names counted as bytes: no hex string per file.
  const objects = createByteSet();
  await walkComposefs(
    r,
    (e) => {
      c.entries++;
      if (e.hardlinkOf) {
        c.hardlinks++;
        return;
      }
      const kind = e.view.whiteout ? 'whiteout' : e.node.kind;
      c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
      if (e.view.whiteout) c.whiteouts++;
      if ((e.view.mode & S_IFMT) === S_IFREG) {
        if (e.view.payload) {
          c.withObject++;
          objects.add(e.view.payload);
        }
        if (e.view.digest) c.withDigest++;
        const layout = imageDataLayout(r.format, e.node, e.view);
        if (layout) {
          c.withImageData++;
          c.imageDataByLayout[layout] = (c.imageDataByLayout[layout] ?? 0) + 1;
        }
      }
    },
    () => c.problems++,
  );
  c.objects = objects.size;
  return c;
}

const OPTIONS: OptionSpec[] = [
  { name: 'json', help: 'print the facts and counts as JSON' },
  { name: 'no-digest', help: 'skip the image\'s fs-verity digest (it reads the whole file)' },
];

/** Compression figures for EROFS images that may hold compressed files (0-padding or compr_cfgs set). */
async function compressionSummary(r: ImageReader): Promise<CompressionStats | undefined> {
  if (r.format !== 'erofs' && r.format !== 'composefs') return undefined;
  const e = r as ErofsReader;
  if (!(e.sb.featureIncompat & (EROFS_FEATURE_INCOMPAT_ZERO_PADDING | EROFS_FEATURE_INCOMPAT_COMPR_CFGS))) return undefined;
  return compressionStats(e);
}

const command: Command = {
  usage: 'info IMAGE [--json] [--no-digest]',
  options: OPTIONS,
  summary: 'header, superblock, features, counts and the image fs-verity digest',
  async run({ args, out, devices }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length !== 1) throw new UsageError('needs exactly one IMAGE');
    const path = positional[0]!;
    return withImage(path, async (r) => {
      const info = r.info();
      if ('prefetchAll' in r) await (r as { prefetchAll(): Promise<boolean> }).prefetchAll();
      const counts = await count(r);
      const digest = flags.has('no-digest') ? undefined : toHex(digestFileSync(path).digest);
      if (flags.has('json')) {
        const z = await compressionSummary(r);
        out.text(JSON.stringify({ path, ...info, counts, ...(z ? { compression: z } : {}), ...(digest ? { fsverityDigest: digest } : {}) }, null, 2) + '\n');
        return counts.problems ? 1 : 0;
      }
      const rows: [string, string][] = [
        ['format', info.format],
        ['size', `${info.size} bytes`],
        ...info.fields.map((f) => [f.label, f.value] as [string, string]),
        ['features', info.features.join(' ') || '(none)'],
        ['entries', String(counts.entries)],
        ...Object.entries(counts.byKind)
          .sort()
          .map(([k, v]) => [`  ${k}`, String(v)] as [string, string]),
        ['hardlinks (extra names)', String(counts.hardlinks)],
        ['files with backing object', String(counts.withObject)],
        ['files with fs-verity digest', String(counts.withDigest)],
        ['files with data in the image', String(counts.withImageData)],
        ...IMAGE_DATA_LAYOUTS.filter((l) => counts.imageDataByLayout[l]).map((l) => [`  ${LAYOUT_LABEL[l]}`, String(counts.imageDataByLayout[l])] as [string, string]),
        ['distinct backing objects', String(counts.objects)],
      ];
      const z = await compressionSummary(r);
      if (z) rows.push(...compressionRows(z));
      if (counts.problems) rows.push(['unreadable subtrees', `${counts.problems} (run cfs-inspect check)`]);
      if (digest) rows.push(['image fs-verity digest', `sha256:${digest}`]);
      const w = Math.max(...rows.map(([k]) => k.length)) + 2;
      for (const [k, v] of rows) out.text(`${(k + ':').padEnd(w)}${v}\n`);
      return counts.problems ? 1 : 0;
    }, devices ? { devices } : {});
  },
};
export default command;
