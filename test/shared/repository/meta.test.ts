/**
 * meta.json as composefs-rs doc/repository.md defines it: the version, the algorithm string, the
 * three feature lists, and what happens without meta.json; each malformed shape is a
 * RepositoryError whose message says what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOciTag, digestHexLength, metaFromNames, parseAlgorithm, parseMeta, RepositoryError } from '../../../shared/repository/meta.ts';

const meta = (o: unknown) => parseMeta(JSON.stringify(o));
const refused = (text: string, message: RegExp) =>
  assert.throws(() => parseMeta(text), (e: unknown) => e instanceof RepositoryError && message.test(e.message), `${text} should be refused with ${message}`);

test('a SHA-512 meta.json with every feature list parses field by field', () => {
  assert.deepEqual(
    meta({ version: 1, algorithm: 'fsverity-sha512-12', features: { compatible: ['c1'], 'read-only-compatible': ['ro1'], incompatible: [] } }),
    {
      version: 1,
      algorithm: 'fsverity-sha512-12',
      hash: 'sha512',
      blockSizeLog2: 12,
      compatible: ['c1'],
      readOnlyCompatible: ['ro1'],
      incompatible: [],
      unknownReadOnlyCompatible: ['ro1'],
      synthesized: false,
    },
  );
});

test('features may be absent or null: every list is then empty', () => {
  const m = meta({ version: 1, algorithm: 'fsverity-sha256-12' });
  assert.equal(m.hash, 'sha256');
  assert.deepEqual([m.compatible, m.readOnlyCompatible, m.incompatible, m.unknownReadOnlyCompatible], [[], [], [], []]);
  assert.deepEqual(meta({ version: 1, algorithm: 'fsverity-sha256-12', features: null }).incompatible, []);
});

test('an unknown compatible feature is accepted and not reported as read-only-compatible', () => {
  const m = meta({ version: 1, algorithm: 'fsverity-sha256-12', features: { compatible: ['shiny'] } });
  assert.deepEqual(m.compatible, ['shiny']);
  assert.deepEqual(m.unknownReadOnlyCompatible, []);
});

test('unknown incompatible features are refused, each named, in one message', () => {
  refused(JSON.stringify({ version: 1, algorithm: 'fsverity-sha256-12', features: { incompatible: ['a'] } }), /incompatible feature a, which this inspector does not know; refusing to read it/);
  refused(JSON.stringify({ version: 1, algorithm: 'fsverity-sha256-12', features: { incompatible: ['a', 'b'] } }), /incompatible features a, b, which/);
});

test('the algorithm names the hash and the block size', () => {
  assert.deepEqual(parseAlgorithm('fsverity-sha256-12'), { hash: 'sha256', blockSizeLog2: 12 });
  assert.deepEqual(parseAlgorithm('fsverity-sha512-16'), { hash: 'sha512', blockSizeLog2: 16 });
  assert.deepEqual(parseAlgorithm('fsverity-sha256-10'), { hash: 'sha256', blockSizeLog2: 10 });
  for (const bad of ['sha256', 'fsverity-sha1-12', 'fsverity-sha256', 'fsverity-SHA256-12', 'fsverity-sha256-12 ', 'fsverity-sha256-x']) {
    assert.throws(() => parseAlgorithm(bad), (e: unknown) => e instanceof RepositoryError && e.message.includes(JSON.stringify(bad)) && /is not fsverity-sha256-N or fsverity-sha512-N/.test(e.message), bad);
  }
  for (const bad of ['fsverity-sha256-9', 'fsverity-sha512-17']) {
    assert.throws(() => parseAlgorithm(bad), (e: unknown) => e instanceof RepositoryError && /outside 1 KiB..64 KiB/.test(e.message), bad);
  }
});

test('each malformed meta.json is refused with what is wrong', () => {
  refused('{', /^meta.json is not JSON: /);
  refused('[]', /^meta.json must hold an object$/);
  refused('null', /^meta.json must hold an object$/);
  refused('{"algorithm":"fsverity-sha256-12"}', /version must be a positive integer/);
  refused('{"version":0,"algorithm":"fsverity-sha256-12"}', /version must be a positive integer/);
  refused('{"version":1.5,"algorithm":"fsverity-sha256-12"}', /version must be a positive integer/);
  refused('{"version":"1","algorithm":"fsverity-sha256-12"}', /version must be a positive integer/);
  refused('{"version":2,"algorithm":"fsverity-sha256-12"}', /repository format version 2 is newer than this inspector understands \(1\); refusing to read it/);
  refused('{"version":1}', /algorithm must be a string such as "fsverity-sha512-12"/);
  refused('{"version":1,"algorithm":"fsverity-sha256-12","features":[]}', /features must be an object/);
  refused('{"version":1,"algorithm":"fsverity-sha256-12","features":{"compatible":"x"}}', /features.compatible must be a list of strings/);
  refused('{"version":1,"algorithm":"fsverity-sha256-12","features":{"read-only-compatible":[1]}}', /features.read-only-compatible must be a list of strings/);
  refused('{"version":1,"algorithm":"fsverity-sha256-12","features":{"incompatible":{}}}', /features.incompatible must be a list of strings/);
});

test('without meta.json the object names decide the hash, and say so', () => {
  const m512 = metaFromNames(new Set([128]));
  assert.deepEqual([m512.hash, m512.algorithm, m512.blockSizeLog2, m512.synthesized], ['sha512', 'fsverity-sha512-12', 12, true]);
  const m256 = metaFromNames(new Set([64, 40]));
  assert.deepEqual([m256.hash, m256.algorithm], ['sha256', 'fsverity-sha256-12']);
  assert.throws(() => metaFromNames(new Set([64, 128])), (e: unknown) => e instanceof RepositoryError && /both 64- and 128-digit names: cannot tell sha256 from sha512/.test(e.message));
  assert.throws(() => metaFromNames(new Set()), (e: unknown) => e instanceof RepositoryError && /holds no digest-named object/.test(e.message));
  assert.throws(() => metaFromNames(new Set([40])), (e: unknown) => e instanceof RepositoryError && /holds no digest-named object/.test(e.message));
});

test('digest lengths and OCI tag names', () => {
  assert.equal(digestHexLength('sha256'), 64);
  assert.equal(digestHexLength('sha512'), 128);
  assert.equal(decodeOciTag('quay.io%2Ffedora%2Ffedora:41'), 'quay.io/fedora/fedora:41');
  assert.equal(decodeOciTag('docker.io%2Flibrary%2Fbusybox%3Alatest'), 'docker.io/library/busybox:latest');
  // A bad escape cannot be decoded: the name is shown as written rather than refused.
  assert.equal(decodeOciTag('bad%zzname'), 'bad%zzname');
});
