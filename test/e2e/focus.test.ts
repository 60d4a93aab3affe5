/**
 * Every focusable thing shows where the focus is (issue 13): with a diff, a broken image's findings
 * and a file's hex view open, Tab walks the whole page, and each element it reaches must look
 * different focused than after the focus has left it (an outline, a shadow, a border or a
 * background), at 1440x900 and 1024x700. The panes made focusable by us (tree, findings, changes,
 * hex view, content) must be among the stops.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, withHarness, treeRow as row, openImage, compareWith, type Harness } from './harness.ts';
import { REPO_ROOT } from '../helpers/corpus.ts';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`;
const sample = (name: string) => join(REPO_ROOT, 'samples', 'demo', name);

interface Stop {
  key: string;
  focused: string;
  left: string;
}

/** What can show focus, as one string; and a stable name for the element. */
const LOOK = (el: Element) => {
  const s = getComputedStyle(el);
  const outline = s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0 ? 'none' : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
  return `${outline} | ${s.boxShadow} | ${s.borderColor} | ${s.backgroundColor}`;
};

/** Tabs through the page from its start until the focus comes back to the first stop; returns each stop's look. */
async function tabStops(h: Harness, max = 200): Promise<Stop[]> {
  await h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const stops: Stop[] = [];
  const key = () =>
    h.page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return '';
      const id = el.getAttribute('aria-label') ?? el.getAttribute('data-testid') ?? (el.textContent ?? '').trim().slice(0, 30);
      return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${id}"`;
    });
  const look = () => h.page.evaluate(`(${LOOK.toString()})(document.activeElement)`) as Promise<string>;
  let first = '';
  for (let i = 0; i < max; i++) {
    await h.page.keyboard.press('Tab');
    const k = await key();
    if (!k) continue;
    if (k === first) break;
    if (!first) first = k;
    // Mark the element, read its focused look, move on, and read it again once the focus has left.
    await h.page.evaluate(() => document.activeElement!.setAttribute('data-focus-probe', String(Date.now())));
    const focused = await look();
    await h.page.keyboard.press('Tab');
    const left = (await h.page.evaluate(`(() => { const el = document.querySelector('[data-focus-probe]'); const v = (${LOOK.toString()})(el); el.removeAttribute('data-focus-probe'); return v; })()`)) as string;
    await h.page.keyboard.press('Shift+Tab');
    stops.push({ key: k, focused, left });
  }
  assert.ok(stops.length < max, `Tab did not come back to the first stop within ${max} stops`);
  return stops;
}

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  describe(`visible focus at ${viewport.width}x${viewport.height}`, { skip }, () => {
    const app = withHarness({ viewport });

    test('every Tab stop of the tree, details and hex view of a file looks focused', async () => {
      const h = app();
      await openImage(h, sample('v1.cfs'), '/etc');
      await h.page.locator(row('/etc')).click();
      await h.page.keyboard.press('ArrowRight');
      const file = h.page.locator('.tree-row[data-path^="/etc/"]').first();
      await file.click();
      await h.page.locator('[data-testid="details-path"]', { hasText: '/etc/' }).waitFor();
      const stops = await tabStops(h);
      const unmarked = stops.filter((s) => s.focused === s.left).map((s) => `${s.key}: ${s.focused}`);
      assert.deepEqual(unmarked, []);
      assert.ok(stops.some((s) => s.key.startsWith('div.tree-list')), stops.map((s) => s.key).join('\n'));
    });

    test('every Tab stop with the findings of a broken image and a diff open looks focused', async () => {
      const h = app();
      await openImage(h, sample('broken.cfs'), '/etc');
      await h.page.getByTestId('broken-banner').waitFor();
      await openImage(h, sample('v2.cfs'), '/etc');
      await h.page.locator('.tab-name', { hasText: 'v1.cfs' }).click();
      await compareWith(h, 'v2.cfs');
      const stops = await tabStops(h);
      const unmarked = stops.filter((s) => s.focused === s.left).map((s) => `${s.key}: ${s.focused}`);
      assert.deepEqual(unmarked, []);
      assert.ok(stops.some((s) => s.key.startsWith('div.changes')), stops.map((s) => s.key).join('\n'));
    });
  });
}
