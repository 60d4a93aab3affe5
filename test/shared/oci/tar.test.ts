import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { paxInteger, parsePaxRecords, paxTime } from '../../../shared/oci/pax.ts';
import { computeChecksums, decodeHeader, parseNumeric, storedChecksum } from '../../../shared/oci/tar.ts';
import { base256, concat, header, paxRecord } from './tar-builder.ts';

const enc = new TextEncoder();
const field = (s: string, width: number) => {
  const b = new Uint8Array(width);
  b.set(enc.encode(s));
  return b;
};

describe('numeric header fields', () => {
  test('octal with leading spaces and a space or NUL terminator reads as its value', () => {
    assert.deepEqual(parseNumeric(field('0000644\0', 8)), { value: 0o644 });
    assert.deepEqual(parseNumeric(field('   644 ', 8)), { value: 0o644 });
    assert.deepEqual(parseNumeric(field('77777777777', 11)), { value: 0o77777777777 }, 'a field filled with digits has no terminator');
    assert.deepEqual(parseNumeric(new Uint8Array(8)), { value: 0 }, 'an all-NUL field is zero');
  });

  test('a non-octal digit or text after the terminator is an error, not a guess', () => {
    assert.ok('error' in parseNumeric(field('00006448', 8)));
    assert.ok('error' in parseNumeric(field('12 34', 8)));
    assert.ok('error' in parseNumeric(field('-1', 8)));
  });

  test('base-256 fields (high bit set) read as big-endian two\'s complement', () => {
    assert.deepEqual(parseNumeric(base256(3_000_000, 8)), { value: 3_000_000 });
    assert.deepEqual(parseNumeric(base256(8 * 2 ** 40, 12)), { value: 8 * 2 ** 40 }, 'an 8 TiB size');
    assert.deepEqual(parseNumeric(base256(-86401, 12)), { value: -86401 }, 'a pre-1970 mtime');
    assert.deepEqual(parseNumeric(base256(-1, 8)), { value: -1 });
  });

  test('base-256 values beyond 2^53 are refused rather than rounded', () => {
    const b = new Uint8Array(12).fill(0x7f);
    b[0] = 0x80 | 0x3f; // positive: sign bit 0x40 clear
    assert.ok('error' in parseNumeric(b));
  });
});

describe('header block', () => {
  test('the checksum written by the builder equals the computed unsigned sum', () => {
    const h = header({ name: 'x' });
    const stored = storedChecksum(h);
    assert.ok('value' in stored);
    assert.equal(stored.value, computeChecksums(h).unsigned);
  });

  test('the signed sum differs from the unsigned one exactly when bytes have the high bit set', () => {
    const h = header({ name: new Uint8Array([0xff, 0xfe]) });
    const { unsigned, signed } = computeChecksums(h);
    assert.equal(unsigned - signed, 2 * 256);
  });

  test('POSIX ustar joins prefix and name with a slash', () => {
    const h = decodeHeader(header({ name: 'name', prefix: 'some/prefix' }), 0);
    assert.equal(new TextDecoder().decode(h.name), 'some/prefix/name');
    assert.equal(h.dialect, 'ustar');
  });

  test('GNU headers do not read the prefix area as a path (it holds atime/ctime there)', () => {
    const h = decodeHeader(header({ name: 'name', prefix: 'junk', dialect: 'gnu' }), 0);
    assert.equal(new TextDecoder().decode(h.name), 'name');
    assert.equal(h.dialect, 'gnu');
  });

  test('an unreadable numeric field is reported with its absolute byte range and read as 0', () => {
    const h = decodeHeader(header({ raw: { uid: field('12x', 8) } }), 1024);
    assert.equal(h.uid, 0);
    assert.deepEqual(h.problems.map((p) => [p.field, p.offset, p.length]), [['uid', 1024 + 108, 8]]);
  });

  test('v7 headers (no magic) ignore the device fields', () => {
    const h = decodeHeader(header({ dialect: 'v7', devmajor: 5, devminor: 6 }), 0);
    assert.equal(h.dialect, 'v7');
    assert.deepEqual([h.devmajor, h.devminor], [0, 0]);
  });
});

describe('pax records', () => {
  test('records parse into keyword and raw value bytes, newlines inside values included', () => {
    const data = concat(paxRecord('path', 'a/b'), paxRecord('SCHILY.xattr.user.x', Uint8Array.of(0x0a, 0, 0xff)));
    const { records, problems } = parsePaxRecords(data, 1000);
    assert.deepEqual(problems, []);
    assert.deepEqual(records.map((r) => r.keyword), ['path', 'SCHILY.xattr.user.x']);
    assert.deepEqual(records[1]!.value, Uint8Array.of(0x0a, 0, 0xff));
    assert.equal(records[0]!.offset, 1000);
    assert.equal(records[1]!.offset, 1000 + records[0]!.length);
  });

  test('NUL padding after the last record is accepted', () => {
    const { records, problems } = parsePaxRecords(concat(paxRecord('uid', '5'), new Uint8Array(20)), 0);
    assert.equal(records.length, 1);
    assert.deepEqual(problems, []);
  });

  for (const [name, text, at] of [
    ['a length running past the data', '99 path=x\n', 0],
    ['a record without "="', '9 pathxx\n', 0],
    ['a record not ending in a newline', '9 path=xx', 0],
    ['a record not starting with a length', 'path=x\n', 0],
    ['an empty keyword', '8 =value\n', 0],
    ['a bad second record after a good one', '11 uid=123\nxx', 11],
  ] as const) {
    test(`${name} is a problem located at that record, and parsing stops there`, () => {
      const { problems } = parsePaxRecords(enc.encode(text), 500);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]!.offset, 500 + at);
    });
  }

  test('pax times keep nanoseconds, truncate further digits, and count negative times down', () => {
    const t = (s: string) => paxTime(enc.encode(s));
    assert.deepEqual(t('1700000000.123456789'), { sec: 1700000000, nsec: 123456789 });
    assert.deepEqual(t('1.5'), { sec: 1, nsec: 500000000 });
    assert.deepEqual(t('12.12345678999'), { sec: 12, nsec: 123456789 });
    assert.deepEqual(t('-1.5'), { sec: -2, nsec: 500000000 });
    assert.deepEqual(t('-7'), { sec: -7, nsec: 0 });
    assert.ok(Object.is(t('-0')!.sec, 0), 'no negative zero');
    assert.equal(t('1e5'), undefined);
    assert.equal(t(''), undefined);
  });

  test('pax integers are decimal and exact, negative only where allowed', () => {
    assert.equal(paxInteger(enc.encode('3000000')), 3000000);
    assert.equal(paxInteger(enc.encode('-5')), undefined);
    assert.equal(paxInteger(enc.encode('-5'), true), -5);
    assert.equal(paxInteger(enc.encode('99999999999999999999')), undefined);
    assert.equal(paxInteger(enc.encode('0x10')), undefined);
  });
});
