/**
 * Save report… (issue 13) for each kind of result, at 1440x900 and 1024x700: the findings of a
 * check, the results of a verify and a diff each download as one self-contained HTML page, the
 * very page `cfs-inspect check|verify|diff --format html` writes for the same image and options.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, withHarness, openImage, compareWith, type Harness } from './harness.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;
const sample = (name: string) => join(REPO_ROOT, 'samples', 'demo', name);

const cli = (...args: string[]) => {
  try {
    return execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'cfs-inspect.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  } catch (e) {
    // check and verify exit 1 when they find something; their output is still the report.
    return (e as { stdout: string }).stdout;
  }
};

async function saved(h: Harness, what: string): Promise<{ name: string; html: string }> {
  const button = h.page.getByTestId(`save-report-${what}`);
  await button.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([h.page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), html: readFileSync((await download.path())!, 'utf8') };
}

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  describe(`Save report… at ${viewport.width}x${viewport.height}`, { skip }, () => {
    const app = withHarness({ viewport });

    test("a check's findings: the page cfs-inspect check --format html writes", async () => {
      const h = app();
      await openImage(h, sample('broken.cfs'), '/etc');
      const r = await saved(h, 'check');
      assert.equal(r.name, 'broken-check.html');
      assert.ok(r.html.includes('<td>erofs.dirent.name-slash</td>'));
      assert.equal(r.html, cli('check', sample('broken.cfs'), '--format', 'html'));
    });

    test("a verify's results: the page cfs-inspect verify --format html writes", async () => {
      const h = app();
      await openImage(h, sample('v1.cfs'), '/etc');
      await h.page.getByRole('button', { name: 'Verify objects' }).click();
      await h.page.getByTestId('verify-summary').waitFor({ timeout: 60_000 });
      const r = await saved(h, 'verify');
      assert.equal(r.name, 'v1-verify.html');
      assert.equal(r.html, cli('verify', sample('v1.cfs'), '--basedir', sample('objects'), '--format', 'html'));
    });

    test("a diff: the page cfs-inspect diff --format html writes", async () => {
      const h = app();
      await openImage(h, sample('v2.cfs'), '/etc');
      await h.page.locator('.tab-name', { hasText: 'v1.cfs' }).click();
      await compareWith(h, 'v2.cfs');
      const r = await saved(h, 'diff');
      assert.equal(r.name, 'v1-diff.html');
      assert.equal(r.html, cli('diff', sample('v1.cfs'), sample('v2.cfs'), '--format', 'html'));
    });

    test('the page raised no errors', () => {
      assert.deepEqual(app().errors, []);
    });
  });
}
