#!/usr/bin/env node
// npm run dist: AppImage and .deb through electron-builder. Before the long build, it checks what
// electron-builder would only complain about at the very end: the .deb's metadata (package.json
// "homepage" and an "author" with an email, kept there and nowhere else) and the Node version the
// packaging tools need (package.json "config.packagingNode").
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** "Name <email> (url)" or { name, email }: the email, as npm reads an author. */
function authorEmail(author) {
  if (author && typeof author === 'object') return typeof author.email === 'string' && author.email.trim() ? author.email.trim() : undefined;
  if (typeof author === 'string') return /<([^>\s]+@[^>\s]+)>/.exec(author)?.[1];
  return undefined;
}

/** The package.json fields a .deb needs that are unset (electron-builder's FpmTarget checks the same). */
export function missingMetadata(pkg) {
  const missing = [];
  if (typeof pkg.homepage !== 'string' || !pkg.homepage.trim()) missing.push('"homepage" (the project\'s web address)');
  if (!authorEmail(pkg.author)) missing.push('"author" with an email ("Name <email>" or { "name", "email" }): the .deb\'s maintainer');
  return missing;
}

/** Does `version` ("22.12.0") satisfy a ">=X.Y.Z" floor? */
export function meetsFloor(version, floor) {
  const want = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(floor.trim());
  if (!want) throw new Error(`config.packagingNode must read ">=X.Y.Z", not '${floor}'`);
  const have = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== Number(want[i + 1])) return (have[i] ?? 0) > Number(want[i + 1]);
  }
  return true;
}

function main() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const missing = missingMetadata(pkg);
  if (missing.length) {
    console.error(
      `npm run dist: the .deb needs metadata that package.json does not set yet:\n` +
        missing.map((m) => `  - ${m}\n`).join('') +
        `These name the project and the person or team who distributes it, so whoever publishes the package sets them ` +
        `in package.json (electron-builder reads them from there); this checkout leaves them unset on purpose.`,
    );
    return 1;
  }
  const floor = pkg.config?.packagingNode ?? '>=0.0.0';
  if (!meetsFloor(process.versions.node, floor)) {
    console.error(`npm run dist: Electron and electron-builder need Node ${floor}; this is Node ${process.versions.node}. (The CLI and the tests run on Node ${pkg.engines?.node}.)`);
    return 1;
  }
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  const builder = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-builder', 'cli.js'), '--linux', ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
  return builder.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
