/**
 * A strip of the whole image file: each slice coloured by the structure kind owning most of it,
 * with root findings, other findings and unaccounted bytes marked. Clicking a slice takes the hex
 * view there and names what owns that byte. The strip is one Tab stop: arrow keys, Home/End and
 * PageUp/PageDown move between its slices (a roving tabindex), so 256 slices do not make 256 stops.
 */
import { useEffect, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { useActive, useActions } from '../hooks.ts';
import { hex } from '../format.ts';
import { layoutStore } from '../layout-view.ts';

const BUCKETS = 256;
/** PageUp/PageDown move this many slices. */
const PAGE = 16;

/** The slice a key moves to from `at` in a strip of `count`, or undefined for keys the strip ignores. */
export function nextSlice(key: string, at: number, count: number): number | undefined {
  const to = ({ ArrowLeft: at - 1, ArrowUp: at - 1, ArrowRight: at + 1, ArrowDown: at + 1, Home: 0, End: count - 1, PageUp: at - PAGE, PageDown: at + PAGE } as Record<string, number>)[key];
  return to === undefined ? undefined : Math.max(0, Math.min(count - 1, to));
}

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
  const [current, setCurrent] = useState(0);

  // Mapped once the check is done: the map then carries its findings, and opening a big image does
  // not build two maps at once.
  useEffect(() => {
    if (imageId && check) void layoutStore.getState().loadBlockMap(imageId, BUCKETS);
  }, [imageId, check]);

  if (!map || !imageId) {
    const why = check ? 'mapping the image…' : cancelled ? 'the check was cancelled: Re-check to map the image' : 'the block map follows the check';
    return <div className="block-map empty-map dim small">{why}</div>;
  }
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const to = nextSlice(e.key, current, map.kinds.length);
    if (to === undefined) return;
    e.preventDefault();
    setCurrent(to);
    (e.currentTarget.children[to] as HTMLElement | undefined)?.focus();
  };
  return (
    <div className="block-map" data-testid="block-map" role="toolbar" aria-label="Block map of the whole image" onKeyDown={onKeyDown}>
      {map.kinds.map((kind, i) => {
        const at = i * map.bucketBytes;
        const mark = map.marks[i];
        return (
          <button
            key={i}
            className={`bm-slice bm-${kindFamily(kind)}${mark ? ` bm-mark-${mark}` : ''}`}
            data-kind={kind}
            data-mark={mark || undefined}
            tabIndex={i === current ? 0 : -1}
            onFocus={() => setCurrent(i)}
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
