// electron-builder configuration (`npm run dist`); this file name is one electron-builder finds by
// itself (it looks for electron-builder.{yml,json,js,cjs,...}). CommonJS because electron-builder require()s it
// and package.json makes .js files ESM; a script (not YAML) because fpm needs an absolute path.
// Validated by test/build/electron-builder.test.ts with electron-builder's own schema.
const path = require('node:path');

const MIME_XML = path.join(__dirname, 'build', 'mime', 'composefs-inspector.xml');

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'io.github.composefs-inspector',
  productName: 'Composefs Inspector',
  executableName: 'composefs-inspector',
  directories: { output: 'out', buildResources: 'build' },
  // The app is the bundles scripts/build.mjs writes, plus the demo images the README opens.
  files: ['dist/**', 'samples/**', 'package.json', '!**/*.map'],
  // The magic-based MIME definitions also ride along in resources/ for AppImage users, whose
  // package manager does not install them.
  extraResources: [{ from: 'build/mime/composefs-inspector.xml', to: 'mime/composefs-inspector.xml' }],
  // No asar: the verity pool starts worker threads that import dist/electron/verity-worker.mjs, and
  // ES module loading from inside an asar archive in a worker is not something we can rely on.
  asar: false,
  npmRebuild: false,
  // Fuses flipped in the Electron binary at packaging time (electron-builder applies them with
  // @electron/fuses). The app never needs Electron to act as plain Node, read NODE_OPTIONS or take
  // --inspect: each would let anyone who can start it run code with its rights. Without asar there
  // is no archive to check, so the asar integrity fuses stay off (turn both on with asar).
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    enableEmbeddedAsarIntegrityValidation: false,
    onlyLoadAppFromAsar: false,
    grantFileProtocolExtraPrivileges: false,
  },
  publish: null,
  icon: 'build/icon.png',
  fileAssociations: [
    { ext: 'cfs', name: 'composefs image', description: 'composefs image', mimeType: 'application/x-composefs', role: 'Viewer' },
    { ext: 'erofs', name: 'EROFS image', description: 'EROFS filesystem image', mimeType: 'application/x-erofs', role: 'Viewer' },
    { ext: 'boot', name: 'Nydus RAFS bootstrap', description: 'Nydus RAFS bootstrap', mimeType: 'application/x-nydus-rafs', role: 'Viewer' },
    // .img is everyone's disk image: offer to open it, never claim it.
    { ext: 'img', name: 'EROFS image', description: 'EROFS filesystem image', mimeType: 'application/x-erofs', role: 'Viewer', rank: 'Alternate' },
    { ext: 'catar', name: 'casync archive', description: 'casync archive', mimeType: 'application/x-casync-archive', role: 'Viewer' },
    { ext: 'caidx', name: 'casync archive index', description: 'casync archive index', mimeType: 'application/x-casync-index', role: 'Viewer' },
    { ext: 'caibx', name: 'casync blob index', description: 'casync blob index', mimeType: 'application/x-casync-index', role: 'Viewer' },
    // A composefs repository's meta.json opens its repository; .json is everyone's: offer, never claim.
    { ext: 'json', name: 'composefs repository metadata', description: 'composefs repository (meta.json)', mimeType: 'application/json', role: 'Viewer', rank: 'Alternate' },
  ],
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Development',
    icon: 'build/icons',
    synopsis: 'Inspect, verify, check and diff composefs and EROFS images',
    description:
      'A desktop inspector for composefs images: browse the tree, read every inode field and xattr, ' +
      'verify backing objects against their fs-verity digests, find corrupt bytes and diff two images.',
    mimeTypes: ['application/x-composefs', 'application/x-erofs', 'application/x-nydus-rafs', 'application/x-casync-archive', 'application/x-casync-index'],
    // Exec=... -- %U: a file whose name starts with "-" is a file, never a Chromium or Node switch.
    executableArgs: ['--', '%U'],
  },
  deb: {
    // electron-builder's own MIME file only has globs; ours recognises images by their magic
    // (composefs header at 0, EROFS superblock at 1024). The post-install script runs update-mime-database.
    fpm: [`${MIME_XML}=/usr/share/mime/packages/composefs-inspector-magic.xml`],
  },
};
