/**
 * The renderer's only door to the Node side: the InspectorApi object that the preload (Electron) or
 * the e2e harness (Chromium) puts on `window.cfs`. Nothing else in the renderer touches `window.cfs`.
 */
import type { InspectorApi } from '../shared/api.ts';

/**
 * Dropped files carry no path in a sandboxed renderer; Electron's preload can resolve one through
 * webUtils.getPathForFile. Optional because a browser harness has no such thing.
 */
export type RendererApi = InspectorApi & { pathForFile?(file: File): string };

declare global {
  interface Window {
    cfs?: RendererApi;
  }
}

export function getApi(): RendererApi {
  const api = window.cfs;
  if (!api) throw new Error('window.cfs is missing: the preload did not expose the inspector API');
  return api;
}

/** Error text fit for the UI: Electron prefixes IPC rejections with the channel name, drop that. */
export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^Error invoking remote method '[^']*': (Error: )?/, '');
}
