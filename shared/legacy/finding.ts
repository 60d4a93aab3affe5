/**
 * Findings for the legacy CFS descriptor. Every rule the 2023 kernel parser applied has a stable
 * code; a finding always names the bytes that break the rule, so the hex view can point at them.
 */
import { DecodeError } from '../bytes/cursor.ts';
import type { Finding, Severity } from '../model.ts';

export function legacyFinding(
  code: string,
  offset: number,
  length: number,
  message: string,
  extra: { severity?: Severity; nodeId?: number; expected?: string; actual?: string } = {},
): Finding {
  const { severity = 'error', ...rest } = extra;
  return { code, severity, offset, length, message, ...rest };
}

/** The rejection a reader method gives for a problem it cannot decode past. */
export const findingError = (f: Finding): DecodeError => new DecodeError(f.message, f.offset, f.length, f.code);
