/** Node details: everything the details pane shows about one node, with its path, links, findings and object status. */
import type { ImageId, NodeDetails, VerityResult } from '../../shared/api.ts';
import { S_IFBLK, S_IFCHR, S_IFMT, S_IFREG, kindOfMode, toHex, type Finding } from '../../shared/model.ts';
import { composefsView, type ComposefsView } from '../../shared/composefs/overlay.ts';
import { displayBytes } from '../../shared/diff/text.ts';
import { walk } from '../../shared/walk.ts';
import { decodeRdev, modeString, mtimeText, xattrViews } from './present.ts';
import type { Registry, Session } from './sessions.ts';

/** Inline content shown in the details pane. */
export const MAX_INLINE_SHOWN = 4096;

/** All names of every multiply-linked non-directory (one walk, on first need). */
function hardlinkIndex(s: Session): Promise<Map<number, string[]>> {
  s.hardlinks ??= (async () => {
    const names = new Map<number, string[]>();
    await walk(s.reader, (w) => {
      if (w.node.kind === 'dir' || w.node.nlink < 2) return;
      const p = displayBytes(w.path);
      const list = names.get(w.id);
      if (list) list.push(p);
      else names.set(w.id, [p]);
    });
    return names;
  })();
  return s.hardlinks;
}

/** The last check's findings for a node plus what decoding it reported since (without repeats). */
function nodeFindings(s: Session, nodeId: number): Finding[] {
  const out = [...(s.findingsByNode.get(nodeId) ?? [])];
  const seen = new Set(out.map((f) => `${f.code}@${f.offset}+${f.length}`));
  for (const f of s.reader.findings()) {
    if (f.nodeId !== nodeId || seen.has(`${f.code}@${f.offset}+${f.length}`)) continue;
    out.push(f);
  }
  return out;
}

export function nodeDetails(registry: Registry, measureOne: (s: Session, nodeId: number, view: ComposefsView) => Promise<VerityResult | undefined>) {
  return {
    async node(imageId: ImageId, nodeId: number): Promise<NodeDetails> {
      const s = registry.get(imageId);
      const node = await s.reader.node(nodeId);
      const view = composefsView(node);
      let path = s.paths.get(nodeId);
      if (path === undefined) {
        // Reached by id alone (a finding without a path): one walk finds its first name.
        const names = await hardlinkIndex(s);
        path = names.get(nodeId)?.[0];
        if (path === undefined) {
          await walk(s.reader, (w) => {
            if (!s.paths.has(w.id)) s.paths.set(w.id, displayBytes(w.path));
          });
          path = s.paths.get(nodeId) ?? `#${nodeId}`;
        }
      }
      const d: NodeDetails = {
        id: nodeId,
        path,
        name: path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1),
        kind: kindOfMode(view.mode),
        mode: view.mode,
        modeString: modeString(view.mode),
        uid: node.uid,
        gid: node.gid,
        size: view.size,
        mtime: { ...node.mtime },
        mtimeText: mtimeText(node.mtime.sec, node.mtime.nsec),
        nlink: node.nlink,
        xattrs: xattrViews(node.xattrs, view),
        ranges: [...(s.dirents.has(nodeId) ? [{ ...s.dirents.get(nodeId)!, label: 'dirent' }] : []), ...node.ranges],
        findings: nodeFindings(s, nodeId),
      };
      const type = view.mode & S_IFMT;
      if (type === S_IFCHR || type === S_IFBLK) d.rdev = decodeRdev(view.rdev);
      if (node.ino !== undefined) d.ino = node.ino;
      if (node.layout) d.layout = node.layout;
      if (node.target) d.symlinkTarget = displayBytes(node.target);
      if (view.payload) d.redirect = displayBytes(view.payload);
      const digest = view.digest ?? view.legacyDigest;
      if (digest) d.digest = toHex(digest);
      if (view.whiteout) d.whiteout = true;
      if (view.opaque) d.opaque = true;
      if (type === S_IFREG && !view.payload && node.size > 0 && node.data.kind !== 'none' && node.data.kind !== 'external') {
        try {
          d.inlineHex = toHex(await s.reader.readData(nodeId, 0, Math.min(node.size, MAX_INLINE_SHOWN)));
          d.dataKind = node.data.kind;
        } catch {
          // The data ranges are in `ranges`; a finding reports why they cannot be read.
        }
      }
      let v = s.verity.get(nodeId);
      if (!v) {
        v = await measureOne(s, nodeId, view);
        if (v) s.verity.set(nodeId, v);
      }
      if (v) d.verity = v;
      if (node.kind !== 'dir' && node.nlink > 1) {
        const names = (await hardlinkIndex(s)).get(nodeId) ?? [];
        d.hardlinks = names.filter((p) => p !== path);
      }
      return d;
    },
  };
}
