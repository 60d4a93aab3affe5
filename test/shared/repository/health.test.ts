/**
 * The repository health rules (shared/repository/health.ts) on snapshots built by hand: each rule
 * alone, exactly the findings it should give (code, severity, path, size), and none on a whole
 * repository. The CLI test (test/electron/cli/repo.test.ts) runs the same rules over real files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repositoryHealthFindings, type RepoSnapshot } from '../../../shared/repository/health.ts';

const d = (c: string) => c.repeat(64);
const rel = (digest: string) => `objects/${digest.slice(0, 2)}/${digest.slice(2)}`;
const IMAGE = d('a');
const FILE1 = d('b');
const FILE2 = d('c');
const STREAM = d('d');
const CONTENT = d('e');
const CHILD = d('f');

/** A whole repository: one linked image of two files, one stream with an object and a child stream. */
function whole(): RepoSnapshot {
  const objects = new Map([IMAGE, FILE1, FILE2, STREAM, CONTENT, CHILD].map((x, i) => [x, { path: rel(x), size: 100 * (i + 1) }]));
  return {
    objects,
    badNames: [],
    images: [{ path: `images/${IMAGE}`, object: IMAGE }],
    streams: [{ path: 'streams/oci-manifest-sha256:1', object: STREAM }],
    refs: [{ path: 'images/refs/system/v1', object: IMAGE }],
    imageReferences: new Map([[IMAGE, [FILE1, FILE2, FILE1]]]),
    streamReferences: new Map([
      [STREAM, { objects: [CONTENT], streams: [CHILD] }],
      [CHILD, { objects: [], streams: [STREAM] }],
    ]),
    imageLike: new Set([IMAGE]),
    measured: new Map([...objects.keys()].map((x) => [x, x])),
    objectsTotal: objects.size,
    complete: true,
  };
}

const lines = (s: RepoSnapshot, unknownRo: string[] = []) => {
  const h = repositoryHealthFindings(s, unknownRo);
  return h.findings.map((f) => `${f.severity} ${f.code} ${f.path}${f.size !== undefined ? ` size=${f.size}` : ''}`);
};

test('a whole repository has no findings, every object measured, nothing to collect', () => {
  const h = repositoryHealthFindings(whole());
  assert.deepEqual(h, { findings: [], orphanBytes: 0, objectsChecked: 6, objectsTotal: 6, complete: true });
});

test('a dangling image, stream or ref is an error at the link\'s path, with the reason', () => {
  const s = whole();
  s.refs.push({ path: 'streams/refs/oci/gone%3A1', dangling: 'points at streams/x, which does not exist' });
  const h = repositoryHealthFindings(s);
  assert.deepEqual(h.findings, [{ code: 'repo.ref.dangling', severity: 'error', path: 'streams/refs/oci/gone%3A1', message: 'points at streams/x, which does not exist' }]);
});

test('an image or digest-named stream whose content measures otherwise is a name mismatch', () => {
  const s = whole();
  s.images = [{ path: `images/${d('1')}`, object: IMAGE }];
  s.streams.push({ path: `streams/${d('2')}`, object: CHILD });
  s.measured.set(IMAGE, IMAGE);
  assert.deepEqual(lines(s), [`error repo.image.name-mismatch images/${d('1')}`, `error repo.stream.name-mismatch streams/${d('2')}`]);
});

test('a stream named by its OCI digest, not its fs-verity digest, is no mismatch', () => {
  const s = whole();
  s.streams = [{ path: 'streams/oci-config-sha256:0123', object: STREAM }];
  assert.deepEqual(lines(s), []);
});

test('an object whose digest differs from its name is a name mismatch at its path; bad names are warnings', () => {
  const s = whole();
  s.measured.set(FILE2, d('9'));
  s.badNames.push('objects/zz', 'objects/ab/.tmp-write');
  assert.deepEqual(lines(s), ['warning repo.object.bad-name objects/zz', 'warning repo.object.bad-name objects/ab/.tmp-write', `error repo.object.name-mismatch ${rel(FILE2)}`]);
});

test('an unmeasured object (digest pass stopped early) is no mismatch, and the result says it is incomplete', () => {
  const s = whole();
  s.measured = new Map([[IMAGE, IMAGE]]);
  s.complete = false;
  const h = repositoryHealthFindings(s);
  assert.deepEqual([h.findings, h.objectsChecked, h.complete], [[], 1, false]);
});

test('objects an image or a stream references but objects/ lacks are missing, once each, naming who needs them', () => {
  const s = whole();
  s.objects.delete(FILE1);
  s.objects.delete(CONTENT);
  const h = repositoryHealthFindings(s);
  assert.deepEqual(
    h.findings.map((f) => [f.code, f.path, f.message]),
    [
      ['repo.object.missing', rel(FILE1), `referenced by images/${IMAGE}, but not in objects/`],
      ['repo.object.missing', rel(CONTENT), 'referenced by streams/oci-manifest-sha256:1, but not in objects/'],
    ],
  );
});

test('a stream whose link leads to a missing object is itself missing', () => {
  const s = whole();
  s.objects.delete(CHILD);
  s.streamReferences.delete(CHILD);
  assert.deepEqual(lines(s), [`error repo.object.missing ${rel(CHILD)}`]);
});

test('objects nothing reaches are orphans, each with its size, summed in orphanBytes', () => {
  const s = whole();
  s.objects.set(d('7'), { path: rel(d('7')), size: 4096 });
  s.objects.set(d('8'), { path: rel(d('8')), size: 10 });
  // The child stream is reached only through the manifest: cut that edge and it is an orphan too.
  s.streamReferences.set(STREAM, { objects: [CONTENT], streams: [] });
  const h = repositoryHealthFindings(s);
  assert.deepEqual(
    h.findings.map((f) => `${f.severity} ${f.code} ${f.path} size=${f.size}`),
    [`info repo.object.orphan ${rel(CHILD)} size=600`, `info repo.object.orphan ${rel(d('7'))} size=4096`, `info repo.object.orphan ${rel(d('8'))} size=10`],
  );
  assert.equal(h.orphanBytes, 600 + 4096 + 10);
});

test('an image in objects/ that images/ does not link is unlinked, and an orphan', () => {
  const s = whole();
  const other = d('6');
  s.objects.set(other, { path: rel(other), size: 8192 });
  s.imageLike.add(other);
  // A ref straight into objects/ does not link it: only images/ entries are meant to be mounted.
  s.refs.push({ path: 'images/refs/sneaky', object: other });
  assert.deepEqual(lines(s), [`warning repo.image.unlinked ${rel(other)}`, `info repo.object.orphan ${rel(other)} size=8192`]);
});

test('an unreadable image or stream is an error at its link; its objects are then not claimed', () => {
  const s = whole();
  s.imageReferences.set(IMAGE, { error: 'cannot be read as an image: bad superblock' });
  s.streamReferences.set(STREAM, { error: 'cannot be read as a splitstream: bad magic' });
  const h = repositoryHealthFindings(s);
  assert.deepEqual(
    h.findings.map((f) => `${f.code} ${f.path} ${f.message}${f.size !== undefined ? ` size=${f.size}` : ''}`),
    [
      `repo.image.unreadable images/${IMAGE} cannot be read as an image: bad superblock`,
      'repo.stream.unreadable streams/oci-manifest-sha256:1 cannot be read as a splitstream: bad magic',
      `repo.object.orphan ${rel(FILE1)} nothing in images/ or streams/ references this object: garbage collection would remove it size=200`,
      `repo.object.orphan ${rel(FILE2)} nothing in images/ or streams/ references this object: garbage collection would remove it size=300`,
      `repo.object.orphan ${rel(CONTENT)} nothing in images/ or streams/ references this object: garbage collection would remove it size=500`,
      `repo.object.orphan ${rel(CHILD)} nothing in images/ or streams/ references this object: garbage collection would remove it size=600`,
    ],
  );
});

test('streams that refer to each other in a cycle are walked once', () => {
  const s = whole();
  s.streamReferences.set(CHILD, { objects: [], streams: [STREAM, CHILD] });
  assert.deepEqual(lines(s), []);
});

test('an unknown read-only-compatible feature is an info finding on meta.json', () => {
  assert.deepEqual(lines(whole(), ['newer-index']), ['info repo.feature.unknown-ro meta.json']);
});
