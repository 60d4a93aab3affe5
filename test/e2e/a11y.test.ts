/**
 * Accessibility (issue 13): axe-core, the standard accessibility engine, runs inside the page on
 * the main views (tree with details, findings of a broken image, diff, the Sharing view, a
 * repository with its health panel) in the light and the dark theme, at 1440x900 and 1024x700,
 * and any violation fails the test with its rule, its nodes and axe's summary.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, openImage, type Harness } from './harness.ts';
import { corpusPath, corpusSkip, REPO_ROOT } from '../helpers/corpus.ts';
import { makeRepository, putObject, TOOLS, type TestRepository } from '../helpers/repository.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const README = corpusPath('01-readme', 'image.cfs');
const sample = (name: string) => join(REPO_ROOT, 'samples', 'demo', name);
const noTools = existsSync(join(TOOLS, 'mkcomposefs')) ? false : `mkcomposefs 1.0.8 not found in ${TOOLS}`;

interface Violation {
  id: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe over the whole page and returns one line per failing node. */
async function violations(h: Harness): Promise<string[]> {
  // Through the debugger, not a <script>: the page's CSP (script-src 'self') rightly refuses inline scripts.
  await h.page.evaluate(AXE);
  const found = (await h.page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as Violation[];
  return found.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}) at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`));
}

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;

for (const colorScheme of ['light', 'dark'] as const) for (const viewport of VIEWPORTS) {
  describe(`no axe violations in the ${colorScheme} theme at ${viewport.width}x${viewport.height}`, { skip }, () => {
    let h: Harness | undefined;
    let repo: TestRepository | undefined;
    before(async () => {
      buildRenderer();
      h = await startHarness({ colorScheme, viewport });
      await h.load();
    });
    after(async () => {
      await h?.close();
      repo?.close();
    });

    test('the start page', async () => {
      assert.deepEqual(await violations(h!), []);
    });

    test('the tree with a file selected and its details', async () => {
      await openImage(h!, README, '/file_a');
      await h!.page.locator(row('/file_a')).click();
      await h!.page.getByRole('heading', { name: 'file_a' }).or(h!.page.locator('.details')).first().waitFor();
      assert.deepEqual(await violations(h!), []);
    });

    test('the findings of a broken image', async () => {
      await openImage(h!, sample('broken.cfs'), '/etc');
      await h!.page.getByTestId('broken-banner').waitFor();
      assert.deepEqual(await violations(h!), []);
    });

    test('the diff of two versions', async () => {
      await openImage(h!, sample('v1.cfs'), '/etc');
      await openImage(h!, sample('v2.cfs'), '/etc');
      await h!.page.locator('.tab-name').nth(2).click();
      // v1 must be the active image (the "before" side) before the comparison is chosen.
      await h!.page.locator('.tab.active .tab-name', { hasText: 'v1.cfs' }).waitFor();
      await h!.page.getByRole('combobox', { name: 'Compare with' }).selectOption({ index: 3 });
      await h!.page.getByTestId('compare-counts').locator('.chip').first().waitFor({ timeout: 30_000 });
      assert.deepEqual(await violations(h!), []);
    });

    test('the diff with a count chip pressed, its header, and an added and a removed (ghost) entry\'s Before / After', async () => {
      await h!.page.getByTestId('compare-counts').getByRole('button', { name: /added$/ }).click();
      await h!.page.getByTestId('compare-counts').locator('[aria-pressed="true"]').waitFor();
      await h!.page.getByTestId('diff-header').waitFor();
      // With an added entry selected, its Before / After table shows too.
      await h!.page.locator(row('/etc/demo.conf')).click();
      await h!.page.locator('[data-testid="before-after"][data-status="added"] .diff-table').waitFor();
      assert.deepEqual(await violations(h!), []);
      // Removed entries are struck-through ghost rows; one selected shows its Before / After.
      await h!.page.getByTestId('compare-counts').getByRole('button', { name: /removed$/ }).click();
      await h!.page.locator(row('/etc/motd')).click();
      await h!.page.locator('[data-testid="before-after"][data-status="removed"] .diff-table').waitFor();
      assert.deepEqual(await violations(h!), []);
    });

    test('the Sharing view with its report', async () => {
      await h!.page.getByRole('button', { name: 'Sharing', exact: true }).click();
      const region = h!.page.getByRole('region', { name: 'Sharing' });
      await region.and(h!.page.locator('[aria-busy="false"]')).waitFor({ timeout: 60_000 });
      await h!.page.getByTestId('sharing-report').waitFor();
      assert.deepEqual(await violations(h!), []);
    });

    test('a repository with its health panel run', { skip: noTools }, async () => {
      repo = makeRepository('sha256');
      putObject(repo.path, new TextEncoder().encode('an orphan for the health panel to find\n'), 'sha256');
      await h!.drop('meta.json', join(repo.path, 'meta.json'));
      const panel = h!.page.getByTestId('repository-panel');
      await panel.getByTestId('repo-images').waitFor();
      assert.deepEqual(await violations(h!), []);
      const health = h!.page.getByTestId('repo-health');
      await health.getByTestId('repo-check').click();
      await health.getByTestId('repo-health-summary').waitFor({ timeout: 60_000 });
      await health.getByTestId('repo-findings').waitFor();
      assert.deepEqual(await violations(h!), []);
    });
  });
}
