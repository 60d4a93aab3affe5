/** buildLayout: the layout map of any image the core reads, by its reader's format. */
import type { CasyncReader } from '../casync/reader.ts';
import type { ErofsReader } from '../erofs/reader.ts';
import type { LegacyReader } from '../legacy/reader.ts';
import type { ImageReader } from '../model.ts';
import type { NydusV5Reader } from '../nydus/reader-v5.ts';
import type { NydusV6Reader } from '../nydus/reader-v6.ts';
import type { OciTarReader } from '../oci/reader.ts';
import type { LayoutMap } from './model.ts';

export type { LayoutMap, LayoutStructure, LayoutGap, LayoutOverlap, FieldRef } from './model.ts';
export { structuresAt } from './model.ts';

export async function buildLayout(reader: ImageReader, signal?: AbortSignal): Promise<LayoutMap> {
  switch (reader.format) {
    case 'composefs':
    case 'erofs': {
      const { buildErofsLayout } = await import('./erofs.ts');
      return buildErofsLayout(reader as ErofsReader, signal);
    }
    case 'legacy-cfs': {
      const { buildLegacyLayout } = await import('./legacy.ts');
      return buildLegacyLayout(reader as LegacyReader, signal);
    }
    case 'oci-tar': {
      const { buildOciLayout } = await import('./oci.ts');
      return buildOciLayout(reader as OciTarReader, signal);
    }
    case 'nydus-v5': {
      const { buildNydusV5Layout } = await import('./nydus.ts');
      return buildNydusV5Layout(reader as NydusV5Reader, signal);
    }
    case 'nydus-v6': {
      const { buildNydusV6Layout } = await import('./nydus.ts');
      return buildNydusV6Layout(reader as NydusV6Reader, signal);
    }
    case 'casync': {
      const { buildCasyncLayout } = await import('./casync.ts');
      return buildCasyncLayout(reader as CasyncReader, signal);
    }
    default:
      throw new Error(`no layout map for ${reader.format} images yet`);
  }
}
