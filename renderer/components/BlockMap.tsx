/**
 * A strip of the whole image file: each slice coloured by the structure kind owning most of it,
 * with root findings, other findings and unaccounted bytes marked. Clicking a slice takes the hex
 * view there and names what owns that byte.
 */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useActive, useActions } from '../hooks.ts';
import { hex } from '../format.ts';
import { layoutStore } from '../layout-view.ts';

const BUCKETS = 256;

/** Colour family of a kind: the part before the first dot after the format ("erofs.inode.compact" -> inode). */
export function kindFamily(kind: string): string {
  if (kind === 'padding' || kind === 'unaccounted') return kind;
  // Version segments ("nydus.v5.inode", "nydus.pre-v5.inode") say which layout, not what it is.
  const parts = kind.split('.').filter((p, i) => i === 0 || !/^(pre-)?v\d+$/.test(p));
  const k = parts[1] ?? parts[0]!;
  if (k === 'superblock' || k === 'header' || k === 'device-slot' || k === 'compr-cfg' || k === 'superblock-ext' || k.endsWith('-table') || k === 'blob') return 'super';
  if (k.startsWith('inode') || k === 'entry' || k === 'payload-header' || k === 'slot-slack') return 'inode';
  if (k.startsWith('xattr') || k === 'user' || k === 'group' || k === 'selinux' || k.startsWith('acl') || k === 'fcaps') return 'xattr';
  if (k.startsWith('dirent') || k === 'dirents' || k === 'name' || k === 'filename' || k === 'goodbye' || k === 'symlink') return 'dirent';
  if (k.startsWith('chunk') || k.startsWith('zmap') || k === 'detached-chunk-map') return 'map';
  return 'data';
}

export function BlockMap() {
  const imageId = useActive((v) => v.summary.imageId);
  const check = useActive((v) => v.check);
  const cancelled = useActive((v) => v.checkCancelled);
  const actions = useActions();
  const map = useStore(layoutStore, (s) => (imageId ? s.images[imageId]?.blockMap : undefined));

  // Mapped once the check is done: the map then carries its findings, and opening a big image does
  // not build two maps at once.
  useEffect(() => {
    if (imageId && check) void layoutStore.getState().loadBlockMap(imageId, BUCKETS);
  }, [imageId, check]);

  if (!map || !imageId) {
    const why = check ? 'mapping the image…' : cancelled ? 'the check was cancelled: Re-check to map the image' : 'the block map follows the check';
    return <div className="block-map empty-map dim small">{why}</div>;
  }
  return (
    <div className="block-map" data-testid="block-map" role="group" aria-label="Block map of the whole image">
      {map.kinds.map((kind, i) => {
        const at = i * map.bucketBytes;
        const mark = map.marks[i];
        return (
          <button
            key={i}
            className={`bm-slice bm-${kindFamily(kind)}${mark ? ` bm-mark-${mark}` : ''}`}
            data-kind={kind}
            data-mark={mark || undefined}
            title={`${hex(at)}: ${kind}${mark ? ` (${mark})` : ''}`}
            aria-label={`${hex(at)} ${kind}${mark ? ` ${mark}` : ''}`}
            onClick={() => {
              actions.focusHex(at, 1);
              void layoutStore.getState().inspect(imageId, at, 'map');
            }}
          />
        );
      })}
    </div>
  );
}
