/**
 * The text records: struct CaFormatUser and CaFormatGroup (owner names, with
 * CA_FORMAT_WITH_USER_NAMES) and CaFormatSELinux (the label, with CA_FORMAT_WITH_SELINUX).
 */
import { Cursor } from '../bytes/cursor.ts';
import { bodyOf, decodeCString } from './header.ts';

export const decodeUser = (record: Cursor): Uint8Array => decodeCString(bodyOf(record), 'USER name');
export const decodeGroup = (record: Cursor): Uint8Array => decodeCString(bodyOf(record), 'GROUP name');
export const decodeSelinux = (record: Cursor): Uint8Array => decodeCString(bodyOf(record), 'SELINUX label');
