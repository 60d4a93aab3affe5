/**
 * Check rules for casync archives and indexes: what the archive walk met, each directory's
 * goodbye table against the entries it closes, and for an index every chunk of the store (present,
 * decompressible to its size, named by its digest). Every finding has a CASYNC_CODES code and the
 * byte range it is about: in the archive stream (the blob for a .caibx) for records and chunks.
 */
import { DecodeError, hex } from '../bytes/cursor.ts';
import type { Finding } from '../model.ts';
import { casyncFinding, findingOfError } from './codes.ts';
import { bstViolations } from './goodbye.ts';
import type { CasyncIndex, CasyncReader } from './reader.ts';
import type { CatarNode } from './scan.ts';
import { siphash24 } from './siphash.ts';

const lossy = new TextDecoder();

/** The goodbye table of one directory against its entries (caformat.h CaFormatGoodbye). */
export function checkGoodbye(nodes: readonly CatarNode[], dir: CatarNode): Finding[] {
  const gb = dir.goodbye;
  if (!gb || !dir.children) return [];
  const out: Finding[] = [];
  const nodeId = dir.id;
  const expectEntry = BigInt(gb.offset - dir.entry.offset);
  if (gb.tail.entryOffset !== expectEntry) {
    out.push(casyncFinding('casync.goodbye.tail-offset', gb.tail.at, 8, `GOODBYE at ${hex(gb.offset)}: the tail's entry_offset ${gb.tail.entryOffset} does not lead back to the directory's ENTRY at ${hex(dir.entry.offset)}`, {
      nodeId, expected: String(expectEntry), actual: String(gb.tail.entryOffset),
    }));
  }
  if (gb.tail.size !== BigInt(gb.size)) {
    out.push(casyncFinding('casync.goodbye.tail-size', gb.tail.at + 8, 8, `GOODBYE at ${hex(gb.offset)}: the tail repeats the size as ${gb.tail.size}, the record is ${gb.size} bytes`, {
      nodeId, expected: String(gb.size), actual: String(gb.tail.size),
    }));
  }
  if (gb.items.length !== dir.children.length) {
    out.push(casyncFinding('casync.goodbye.count', gb.offset, 8, `GOODBYE at ${hex(gb.offset)} has ${gb.items.length} items for ${dir.children.length} entries`, {
      nodeId, expected: String(dir.children.length), actual: String(gb.items.length),
    }));
  }
  const byOffset = new Map<bigint, CatarNode>();
  for (const id of dir.children) {
    const c = nodes[id]!;
    if (c.filename && c.end >= 0) byOffset.set(BigInt(gb.offset - c.filename.offset), c);
  }
  gb.items.forEach((item, i) => {
    const c = byOffset.get(item.offset);
    if (!c) {
      out.push(casyncFinding('casync.goodbye.item-offset', item.at, 8, `GOODBYE item #${i} at ${hex(item.at)}: offset ${item.offset} leads to ${hex(gb.offset - Number(item.offset))}, where no entry's FILENAME begins`, { nodeId }));
      return;
    }
    byOffset.delete(item.offset);
    const name = lossy.decode(c.name);
    const size = BigInt(c.end - c.filename!.offset);
    if (item.size !== size) {
      out.push(casyncFinding('casync.goodbye.item-size', item.at + 8, 8, `GOODBYE item #${i} for "${name}": size ${item.size}, the entry's serialization is ${size} bytes`, {
        nodeId, expected: String(size), actual: String(item.size),
      }));
    }
    const hash = siphash24(c.name);
    if (item.hash !== hash) {
      out.push(casyncFinding('casync.goodbye.hash', item.at + 16, 8, `GOODBYE item #${i} for "${name}": hash 0x${item.hash.toString(16)}, SipHash-2-4 of the name is 0x${hash.toString(16)}`, {
        nodeId, expected: `0x${hash.toString(16)}`, actual: `0x${item.hash.toString(16)}`,
      }));
    }
  });
  for (const i of bstViolations(gb.items)) {
    const item = gb.items[i]!;
    out.push(casyncFinding('casync.goodbye.order', item.at + 16, 8, `GOODBYE item #${i} at ${hex(item.at)} is out of binary-search-tree order: lookups by name would miss entries`, { nodeId }));
  }
  return out;
}

/** Reads every chunk the index lists through the store, which verifies it. */
export async function checkChunks(index: CasyncIndex, signal?: AbortSignal): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const chunk of index.table.chunks) {
    signal?.throwIfAborted();
    if (index.store.verified.has(chunk.index)) continue;
    try {
      await index.store.read(chunk);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      out.push(findingOfError(e, 'casync.chunk.corrupt'));
    }
  }
  return out;
}

export async function checkCasync(reader: CasyncReader, signal?: AbortSignal): Promise<Finding[]> {
  const all = reader.findings();
  const seen = new Set(all.map((f) => `${f.code}@${f.offset}`));
  if (reader.scan) for (const n of reader.scan.nodes) all.push(...checkGoodbye(reader.scan.nodes, n));
  if (reader.index) {
    for (const f of await checkChunks(reader.index, signal)) if (!seen.has(`${f.code}@${f.offset}`)) all.push(f);
  }
  return all.sort((a, b) => a.offset - b.offset);
}
