/**
 * Copying to the clipboard (path, digest, xattr value, hex selection, node as JSON) and the short
 * notice that says what was copied. The async Clipboard API is tried first; where the window may
 * not use it (Electron denies permissions by default), a hidden textarea and execCommand('copy')
 * inside the same user gesture does the job.
 */
import type { NodeDetails } from '../shared/api.ts';
import type { AppActions, AppState } from './store.ts';

export interface CopyState {
  /** The last copy, for the status notice; `seq` tells two copies of the same thing apart. */
  copied?: { what: string; seq: number; failed?: boolean };
}

export interface CopyActions {
  copyText(what: string, text: string): Promise<void>;
}

function copyWithTextarea(text: string): boolean {
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  const previous = document.activeElement as HTMLElement | null;
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } finally {
    ta.remove();
    previous?.focus?.();
  }
  return ok;
}

export function copySlice(set: (p: Partial<AppState>) => void, get: () => AppState & AppActions): CopyActions {
  return {
    async copyText(what, text) {
      const seq = (get().copied?.seq ?? 0) + 1;
      let ok = false;
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        ok = copyWithTextarea(text);
      }
      set({ copied: { what, seq, ...(ok ? {} : { failed: true }) } });
    },
  };
}

/** A node's details as JSON for a bug report: everything the details pane shows, in one object. */
export function nodeJson(d: NodeDetails): string {
  return JSON.stringify(d, null, 2);
}

/** Bytes as a C array initialiser, 12 to a line. */
export function cArray(hex: string, name = 'data'): string {
  const bytes = hex.match(/../g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 12) lines.push('  ' + bytes.slice(i, i + 12).map((b) => `0x${b}`).join(', ') + ',');
  return `unsigned char ${name}[${bytes.length}] = {\n${lines.join('\n')}\n};`;
}
