import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/corpus.ts';

// electron-builder's own loader and schema validator (what `electron-builder` runs before building).
const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Record<string, any>>;
  validateConfiguration(config: Record<string, any>, logger: unknown): Promise<void>;
};
const builderUtil = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown; log: { stream: NodeJS.WritableStream } };
const { DebugLogger } = builderUtil;
// electron-builder logs to stdout, which node:test uses to report from its worker; keep it on stderr.
builderUtil.log.stream = process.stderr;

const validate = (config: Record<string, any>) => validateConfiguration(config, new DebugLogger(false));
const load = () => getConfig(REPO_ROOT, null, null);

test('electron-builder finds our configuration and its schema validation accepts it', async () => {
  const config = await load();
  assert.equal(config.productName, 'Composefs Inspector');
  await validate(config);
});

test('the schema validation rejects an invalid configuration', async () => {
  const config = await load();
  await assert.rejects(
    validate({ ...config, fileAssociations: [...config.fileAssociations, { ext: 'cfs', mimeTypes: 'application/x-composefs' }] }),
    /fileAssociations.*mimeTypes|mimeTypes/s,
  );
  await assert.rejects(validate({ ...config, linux: { ...config.linux, mimeTypes: 'application/x-erofs' } }), /linux/);
  await assert.rejects(validate({ ...config, fileAssociation: [] }), /fileAssociation/);
});

test('file associations cover .cfs, .erofs and .img with the composefs/EROFS MIME types', async () => {
  const { fileAssociations } = await load();
  const byExt = Object.fromEntries(fileAssociations.map((a: { ext: string; mimeType: string }) => [a.ext, a.mimeType]));
  assert.deepEqual(byExt, { cfs: 'application/x-composefs', erofs: 'application/x-erofs', img: 'application/x-erofs' });
});

test('Linux builds an AppImage and a deb, and the deb installs the magic-based MIME definitions', async () => {
  const config = await load();
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  const [mapping] = config.deb.fpm as string[];
  const [source, target] = mapping!.split('=');
  assert.equal(source, join(REPO_ROOT, 'build', 'mime', 'composefs-inspector.xml'));
  assert.ok(existsSync(source!), 'the MIME file the deb installs exists');
  assert.match(target!, /^\/usr\/share\/mime\/packages\/[\w-]+\.xml$/);
});

test('the packaged files are the build output and the samples; every referenced resource exists', async () => {
  const config = await load();
  // electron-builder normalises `files` into filter sets.
  const patterns = (config.files as (string | { filter?: string[] })[]).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
  assert.ok(patterns.includes('dist/**') && patterns.includes('samples/**'), patterns.join(' '));
  for (const r of config.extraResources) assert.ok(existsSync(join(REPO_ROOT, r.from)), r.from);
  assert.ok(existsSync(join(REPO_ROOT, config.icon)), config.icon);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.main, 'dist/electron/main.cjs', 'the entry electron-builder packs is the bundled main process');
});

test('fuses: no running as Node, no NODE_OPTIONS, no --inspect, cookies encrypted; asar integrity only with asar', async () => {
  const config = await load();
  const f = config.electronFuses as Record<string, boolean>;
  assert.equal(f.runAsNode, false);
  assert.equal(f.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(f.enableNodeCliInspectArguments, false);
  assert.equal(f.enableCookieEncryption, true);
  assert.equal(f.grantFileProtocolExtraPrivileges, false);
  // The integrity fuses only mean something for an asar archive: on exactly when asar is used.
  const asar = config.asar !== false;
  assert.equal(f.enableEmbeddedAsarIntegrityValidation, asar);
  assert.equal(f.onlyLoadAppFromAsar, asar);
  await validate(config);
});

test('the desktop entry passes the files after "--", so no file name is taken for a switch', async () => {
  const config = await load();
  const { buildExecArgs } = require('app-builder-lib/out/targets/LinuxTargetHelper.js') as { buildExecArgs(a: string[]): string };
  assert.equal(buildExecArgs(config.linux.executableArgs), '-- %U');
});
