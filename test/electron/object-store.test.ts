import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withDir } from './fakes.ts';
import { findObjectStores, loadStoreChoices, objectStoresFor } from '../../electron/object-store.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';

test('the objects/ folder beside a corpus image is found', { skip: corpusSkip }, async () => {
  assert.deepEqual(await findObjectStores(corpusPath('01-readme', 'image.cfs')), [corpusPath('01-readme', 'objects')]);
});

test('images sharing a store one folder up find it', { skip: corpusSkip }, async () => {
  assert.deepEqual(await findObjectStores(corpusPath('03-diff', 'v1', 'image.cfs')), [corpusPath('03-diff', 'objects')]);
});

test('no store is reported when there is none, and a file named objects is not a store', () =>
  withDir(async (dir) => {
    await mkdir(join(dir, 'a'));
    await writeFile(join(dir, 'a', 'objects'), 'not a directory');
    assert.deepEqual(await findObjectStores(join(dir, 'a', 'image.cfs')), []);
  }));

test('both the sibling and the parent store are listed, nearest first', () =>
  withDir(async (dir) => {
    await mkdir(join(dir, 'objects'));
    await mkdir(join(dir, 'v1', 'objects'), { recursive: true });
    assert.deepEqual(await findObjectStores(join(dir, 'v1', 'image.cfs')), [join(dir, 'v1', 'objects'), join(dir, 'objects')]);
  }));

test("a user's choice is remembered across loads and comes before found stores", () =>
  withDir(async (dir) => {
    const settings = join(dir, 'stores.json');
    const image = join(dir, 'img', 'image.cfs');
    const chosen = join(dir, 'elsewhere');
    await mkdir(join(dir, 'img', 'objects'), { recursive: true });
    await mkdir(chosen);
    const choices = await loadStoreChoices(settings);
    await choices.set(image, [chosen]);
    const reloaded = await loadStoreChoices(settings);
    assert.deepEqual(reloaded.get(image), [chosen]);
    assert.deepEqual(await objectStoresFor(image, reloaded), [chosen, join(dir, 'img', 'objects')]);
  }));

test('a remembered store that no longer exists is skipped', () =>
  withDir(async (dir) => {
    const image = join(dir, 'image.cfs');
    const choices = await loadStoreChoices(join(dir, 'stores.json'));
    await choices.set(image, [join(dir, 'gone')]);
    assert.deepEqual(await objectStoresFor(image, choices), []);
  }));

test('a store chosen and also found is listed once', () =>
  withDir(async (dir) => {
    const image = join(dir, 'image.cfs');
    await mkdir(join(dir, 'objects'));
    const choices = await loadStoreChoices(join(dir, 'stores.json'));
    await choices.set(image, [join(dir, 'objects')]);
    assert.deepEqual(await objectStoresFor(image, choices), [join(dir, 'objects')]);
  }));

test('only the most recently chosen images are remembered', () =>
  withDir(async (dir) => {
    const settings = join(dir, 'stores.json');
    const choices = await loadStoreChoices(settings, 2);
    await choices.set('/i/a.cfs', ['/s/a']);
    await choices.set('/i/b.cfs', ['/s/b']);
    await choices.set('/i/a.cfs', ['/s/a2']);
    await choices.set('/i/c.cfs', ['/s/c']);
    const reloaded = await loadStoreChoices(settings, 2);
    assert.equal(reloaded.get('/i/b.cfs'), undefined);
    assert.deepEqual(reloaded.get('/i/a.cfs'), ['/s/a2']);
    assert.deepEqual(reloaded.get('/i/c.cfs'), ['/s/c']);
  }));

test('a corrupt choices file is ignored', () =>
  withDir(async (dir) => {
    const settings = join(dir, 'stores.json');
    await writeFile(settings, JSON.stringify({ images: { '/i/a.cfs': 'not-a-list', '/i/b.cfs': [1, '/s/b'] } }));
    const choices = await loadStoreChoices(settings);
    assert.equal(choices.get('/i/a.cfs'), undefined);
    assert.deepEqual(choices.get('/i/b.cfs'), ['/s/b']);
  }));
