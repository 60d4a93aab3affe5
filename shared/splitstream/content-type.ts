/**
 * Splitstream content types: an arbitrary u64 the writer chooses. composefs-rs's OCI code stores
 * eight ASCII bytes (crates/composefs-oci: TAR_LAYER_CONTENT_TYPE = "ocilayer", and so on).
 */
export const CONTENT_TYPES: Record<string, string> = {
  ocilayer: 'oci-layer',
  ociconfg: 'oci-config',
  ocimanif: 'oci-manifest',
  oci_blob: 'oci-blob',
  osummary: 'ostree-summary',
};

/** Our name for a content type, or its ASCII / hex form when it is not one we know. */
export function contentTypeName(bytes: Uint8Array): string {
  const ascii = bytes.every((b) => b >= 0x20 && b < 0x7f) ? String.fromCharCode(...bytes) : undefined;
  if (ascii !== undefined && CONTENT_TYPES[ascii]) return CONTENT_TYPES[ascii];
  if (ascii !== undefined) return `unknown (${JSON.stringify(ascii)})`;
  return `unknown (0x${[...bytes].reverse().map((b) => b.toString(16).padStart(2, '0')).join('')})`;
}
