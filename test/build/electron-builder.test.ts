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

test('file associations cover .cfs, .erofs, .img, Nydus .boot, casync\'s .catar/.caidx/.caibx and a repository\'s meta.json with their MIME types', async () => {
  const { fileAssociations } = await load();
  const byExt = Object.fromEntries(fileAssociations.map((a: { ext: string; mimeType: string }) => [a.ext, a.mimeType]));
  assert.deepEqual(byExt, {
    cfs: 'application/x-composefs', erofs: 'application/x-erofs', img: 'application/x-erofs', boot: 'application/x-nydus-rafs',
    catar: 'application/x-casync-archive', caidx: 'application/x-casync-index', caibx: 'application/x-casync-index',
    json: 'application/json',
  });
  // .json is everyone's: offered in "Open With", never claimed as the default.
  assert.equal(fileAssociations.find((a: { ext: string }) => a.ext === 'json').rank, 'Alternate');
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

/*
 * The .deb's metadata (homepage, an author with an email) lives in package.json alone. electron-builder
 * checks it only when it writes the .deb, after the whole build; `npm run dist` checks the same first.
 * Both are run here for both cases, with electron-builder's own deb target over a stub Electron dist
 * directory (nothing is downloaded or built). The "set" case uses RFC 2606's reserved example.invalid.
 */
const { Packager, Platform } = require('app-builder-lib') as { Packager: new (o: unknown) => any; Platform: { LINUX: { createTarget(t: string): unknown } } };
const FpmTarget = (require('app-builder-lib/out/targets/FpmTarget.js') as { default: new (...a: unknown[]) => { checkOptions(): Promise<Record<string, string>> } }).default;
const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper.js') as { LinuxTargetHelper: new (p: unknown) => unknown };
const { AppInfo } = require('app-builder-lib/out/appInfo.js') as { AppInfo: new (p: unknown, v: null) => unknown };

async function debMetadataCheck(extraMetadata: Record<string, unknown>, electronDist: string): Promise<Record<string, string>> {
  const packager = new Packager({ projectDir: REPO_ROOT, config: { electronDist, extraMetadata }, targets: Platform.LINUX.createTarget('deb') });
  await packager.validateConfig();
  packager._appInfo = new AppInfo(packager, null);
  const linux = await packager.createHelper(Platform.LINUX);
  return new FpmTarget('deb', linux, new LinuxTargetHelper(linux), join(electronDist, 'out')).checkOptions();
}

test('deb metadata: unset in package.json, electron-builder refuses and npm run dist stops at once naming the fields', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const stub = mkdtempSync(join(tmpdir(), 'cfs-electron-dist-'));
  try {
    writeFileSync(join(stub, 'electron'), '');
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.equal(pkg.homepage, undefined, 'this checkout leaves the metadata unset');
    await assert.rejects(debMetadataCheck({}, stub), /homepage[\s\S]*maintainer|author/i);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'dist.mjs')], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /"homepage"/);
    assert.match(r.stderr, /"author" with an email/);
    assert.doesNotMatch(r.stdout + r.stderr, /built |electron-builder +version/, 'it stops before building anything');
  } finally {
    rmSync(stub, { recursive: true, force: true });
  }
});

test('deb metadata: set, electron-builder accepts it and the dist pre-check agrees', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  // @ts-expect-error: a plain .mjs script without type declarations
  const { missingMetadata } = (await import('../../scripts/dist.mjs')) as { missingMetadata(p: unknown): string[] };
  const stub = mkdtempSync(join(tmpdir(), 'cfs-electron-dist-'));
  try {
    writeFileSync(join(stub, 'electron'), '');
    const meta = { homepage: 'https://example.invalid/composefs-inspector', author: { name: 'Example Maintainer', email: 'maintainer@example.invalid' } };
    const deb = await debMetadataCheck(meta, stub);
    assert.equal(deb.maintainer, 'Example Maintainer <maintainer@example.invalid>');
    assert.equal(deb.url, 'https://example.invalid/composefs-inspector');
    assert.deepEqual(missingMetadata(meta), []);
    assert.deepEqual(missingMetadata({ ...meta, author: 'Example Maintainer <maintainer@example.invalid>' }), []);
    assert.equal(missingMetadata({ homepage: meta.homepage, author: 'Someone' }).length, 1);
    assert.equal(missingMetadata({}).length, 2);
  } finally {
    rmSync(stub, { recursive: true, force: true });
  }
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
