import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHANNELS } from '../../shared/api.ts';
import { ArgumentError, LIMITS, methodArity, validateArgs, type Method } from '../../electron/validate.ts';

const ID = 'img-1';
const rejects = (method: Method, args: unknown[], pattern: RegExp) =>
  assert.throws(() => validateArgs(method, args), (e: unknown) => e instanceof ArgumentError && pattern.test(e.message));

test('every IPC channel has an argument specification', () => {
  for (const method of Object.keys(CHANNELS) as Method[]) {
    const { required, total } = methodArity(method);
    assert.ok(required <= total, method);
  }
});

test('well-formed calls pass and come back unchanged', () => {
  assert.deepEqual(validateArgs('openImage', ['/tmp/a.cfs']), ['/tmp/a.cfs']);
  assert.deepEqual(validateArgs('children', [ID, 36, 0, 500]), [ID, 36, 0, 500]);
  assert.deepEqual(validateArgs('children', [ID, 36]), [ID, 36]);
  assert.deepEqual(validateArgs('bytes', [ID, 1024, 4096]), [ID, 1024, 4096]);
  assert.deepEqual(validateArgs('lookup', [ID, '/dir/another_a']), [ID, '/dir/another_a']);
  assert.deepEqual(validateArgs('setObjectStores', [ID, ['/srv/objects', '/mnt/o']]), [ID, ['/srv/objects', '/mnt/o']]);
  assert.deepEqual(validateArgs('setObjectStores', [ID, []]), [ID, []]);
  assert.deepEqual(validateArgs('verify', [ID]), [ID]);
  assert.deepEqual(validateArgs('verify', [ID, 'sha256:' + 'ab'.repeat(32)]), [ID, 'sha256:' + 'ab'.repeat(32)]);
  assert.deepEqual(validateArgs('cancelVerify', ['job-7']), ['job-7']);
  assert.deepEqual(validateArgs('listImages', []), []);
});

test('trailing undefined optionals are dropped so services see their defaults', () => {
  assert.deepEqual(validateArgs('children', [ID, 1, undefined, undefined]), [ID, 1]);
  assert.deepEqual(validateArgs('diff', [ID, 'img-2', undefined]), [ID, 'img-2']);
});

test('node ids, offsets and counts must be non-negative safe integers', () => {
  rejects('node', [ID, -1], /nodeId must be an integer/);
  rejects('node', [ID, 1.5], /nodeId/);
  rejects('node', [ID, '36'], /nodeId/);
  rejects('node', [ID, NaN], /nodeId/);
  rejects('node', [ID, Infinity], /nodeId/);
  rejects('node', [ID, 2 ** 53], /nodeId/);
  rejects('bytes', [ID, -4096, 16], /offset/);
  rejects('children', [ID, 1, -1], /start/);
  rejects('children', [ID, 1, 0, LIMITS.pageCount + 1], /count/);
});

test('byte reads are capped in length', () => {
  assert.deepEqual(validateArgs('bytes', [ID, 0, LIMITS.bytesLength]), [ID, 0, LIMITS.bytesLength]);
  rejects('bytes', [ID, 0, LIMITS.bytesLength + 1], /length must be an integer in 0\.\./);
});

test('ids must be short printable strings', () => {
  rejects('node', [42, 1], /imageId must be a string/);
  rejects('node', ['', 1], /imageId must be a string of 1\.\./);
  rejects('node', ['x'.repeat(LIMITS.idLength + 1), 1], /imageId/);
  rejects('node', ['../../etc', 1], /imageId must be an id/);
  rejects('cancelVerify', [{ jobId: 'x' }], /jobId must be a string/);
});

test('host paths must be absolute strings without NUL', () => {
  rejects('openImage', ['relative/a.cfs'], /absolute path/);
  rejects('openImage', ['/tmp/a\0.cfs'], /NUL/);
  rejects('openImage', [['/tmp/a.cfs']], /path must be a string, got an array/);
  rejects('openImage', [], /path is required/);
  rejects('setObjectStores', [ID, '/srv/objects'], /dirs must be an array/);
  rejects('setObjectStores', [ID, ['/srv/objects', 7]], /dirs\[1\] must be a string/);
  rejects('setObjectStores', [ID, Array(LIMITS.objectStores + 1).fill('/o')], /at most/);
});

test('image paths must start at the root', () => {
  rejects('lookup', [ID, 'dir/x'], /starting with \//);
});

test('extra arguments are refused', () => {
  rejects('listImages', ['surprise'], /at most 0 arguments/);
  rejects('node', [ID, 1, 2], /at most 2 arguments/);
});

test('verify digests must be hex of a known length', () => {
  rejects('verify', [ID, 'zz'.repeat(32)], /digest/);
  rejects('verify', [ID, 'ab'.repeat(31)], /digest/);
  rejects('verify', [ID, 'md5:' + 'ab'.repeat(32)], /digest/);
  assert.deepEqual(validateArgs('verify', [ID, 'AB'.repeat(64)]), [ID, 'AB'.repeat(64)]);
});

test('diff options accept only known keys of the right types and are rebuilt', () => {
  const [, , options] = validateArgs('diff', [ID, 'img-2', { ignoreMtime: true, ignoreXattrs: ['security.*'] }]);
  assert.deepEqual(options, { ignoreMtime: true, ignoreXattrs: ['security.*'] });
  rejects('diff', [ID, 'img-2', { ignoreMtime: 'yes' }], /ignoreMtime must be a boolean/);
  assert.deepEqual(validateArgs('diff', [ID, 'img-2', { dirSizes: true }])[2], { dirSizes: true });
  rejects('diff', [ID, 'img-2', { dirSizes: 1 }], /dirSizes must be a boolean/);
  rejects('diff', [ID, 'img-2', { ignoreXattrs: 'security.*' }], /ignoreXattrs must be an array/);
  rejects('diff', [ID, 'img-2', { __proto__: { polluted: true }, ignoreMtime: true }], /options object/);
  rejects('diff', [ID, 'img-2', { recurse: true }], /unknown option 'recurse'/);
  rejects('diff', [ID, 'img-2', [true]], /options object, got an array/);
});

test('unknown methods are refused', () => {
  assert.throws(() => validateArgs('toString' as Method, []), /unknown method 'toString'/);
  assert.throws(() => validateArgs('__proto__' as Method, []), /unknown method/);
});

test('repository calls take an absolute repository path and a non-empty digest, ref or tag', () => {
  assert.deepEqual(validateArgs('openRepository', ['/sysroot/composefs']), ['/sysroot/composefs']);
  assert.deepEqual(validateArgs('openRepositoryImage', ['/r', 'system/rootfs/v2']), ['/r', 'system/rootfs/v2']);
  assert.deepEqual(validateArgs('openRepositoryStream', ['/r', 'oci-layer-sha256:' + 'ab'.repeat(32)]), ['/r', 'oci-layer-sha256:' + 'ab'.repeat(32)]);
  assert.deepEqual(validateArgs('cancelRepositoryCheck', ['repo-check-1']), ['repo-check-1']);
  rejects('openRepository', ['relative/repo'], /path/);
  rejects('openRepositoryImage', ['/r'], /name is required/);
  rejects('openRepositoryImage', ['/r', ''], /name must be a string of 1\.\.4096 characters/);
  rejects('repositoryStreamJson', ['/r', 'x'.repeat(LIMITS.repositoryName + 1)], /name/);
  rejects('checkRepository', ['/r', 'extra'], /at most 1 arguments/);
});
