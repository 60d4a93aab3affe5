/**
 * The hex view on a multi-megabyte image (issue 12, "scrolls smoothly"): it renders only the rows in
 * view, whatever the range shown; scrolling replaces rows, not the pane (rows still in view keep their
 * DOM nodes, the block map and structure panel are not touched). Waits on the page, never on a clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { buildRenderer, CHROMIUM, startHarness, type Harness } from './harness.ts';
import { corpusPath, corpusSkip } from '../helpers/corpus.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);
/** 8,724,480 bytes (545,280 hex rows), with a 1 MiB flat file. */
const IMAGE = corpusPath('15-erofs-utils-1.9', 'plain', 'image.erofs');
const FILE = '/data/random-1m.bin';
const ROW_HEIGHT = 18;

describe('the hex view of a multi-megabyte image', { skip }, () => {
  let h: Harness;
  before(async () => {
    buildRenderer();
    h = await startHarness({});
    await h.load();
    h.dialogs.images.push(IMAGE);
    await h.page.getByRole('button', { name: /Open/ }).first().click();
    await h.page.locator('.tree-row[data-path="/data"]').waitFor();
  });
  after(async () => {
    await h?.close();
  });

  /** The most rows a viewport of the scroll pane's height can need (one partly shown at each end). */
  const bound = async () => Math.ceil((await h.page.getByTestId('hex-scroll').evaluate((el) => el.clientHeight)) / ROW_HEIGHT) + 2;
  const firstOffset = async () => (await h.page.locator('.hex-row .hex-off').first().textContent()) ?? '';

  test('showing a 1 MiB data range renders only the rows in view', async () => {
    await h.page.keyboard.press('Control+f');
    await h.page.keyboard.type('random-1m.bin');
    await h.page.locator(`.search-hit[data-path="${FILE}"]`).click();
    await h.page.locator('[data-testid="details-path"]', { hasText: FILE }).waitFor();
    const chip = h.page.locator('.range-chip', { hasText: '+1048576' });
    await chip.click();
    await h.page.getByTestId('hex-focus').filter({ hasText: '(1048576 B)' }).waitFor();
    await h.page.locator('.hex-row .hb.hb-focus').first().waitFor();
    const rows = await h.page.locator('.hex-row').count();
    const max = await bound();
    assert.ok(rows >= 1 && rows <= max, `${rows} rows in the DOM for a ${max}-row viewport`);
    // The view centres the range's start; the range (65,536 rows) runs on past the last rendered row.
    assert.equal(await h.page.locator('.hex-row').last().locator('.hb.hb-focus').count(), 16);
  });

  test('scrolling a megabyte keeps the row count bounded, reuses the rows still in view and leaves the rest of the pane alone', async () => {
    const scroll = h.page.getByTestId('hex-scroll');
    // The block map appears once the check is done; from then on nothing but scrolling happens.
    await h.page.getByTestId('block-map').waitFor({ timeout: 120_000 });
    // Mark the DOM nodes: the second row, the block map and the structure panel.
    await h.page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__row = document.querySelectorAll('.hex-row')[6];
      w.__map = document.querySelector('[data-testid="block-map"]');
      w.__panel = document.querySelector('.structure-panel');
      w.__mutations = 0;
      const watch = new MutationObserver((records) => (w.__mutations = (w.__mutations as number) + records.length));
      for (const el of [w.__map, w.__panel]) if (el) watch.observe(el as Node, { subtree: true, childList: true, attributes: true, characterData: true });
      w.__watch = watch;
    });
    const before = await firstOffset();
    const marked = (await h.page.locator('.hex-row .hex-off').nth(6).textContent())!;
    // A few rows down: the rows that stay in view are the same elements, moved, not rebuilt.
    await scroll.evaluate((el) => (el.scrollTop += 2 * 18));
    await h.page.locator('.hex-row .hex-off').first().filter({ hasNotText: before }).waitFor();
    const same = await h.page.evaluate((text) => {
      const row = [...document.querySelectorAll('.hex-row')].find((r) => r.querySelector('.hex-off')?.textContent === text);
      return row !== undefined && row === (window as unknown as { __row: Element }).__row;
    }, marked);
    assert.equal(same, true, `the row at ${marked} was rebuilt`);
    // A megabyte further (65,536 rows): still one screenful of rows.
    await scroll.evaluate((el) => (el.scrollTop += 65_536 * 18));
    const target = parseInt(before, 16) + (1 << 20);
    await h.page.waitForFunction((t) => parseInt(document.querySelector('.hex-row .hex-off')?.textContent ?? '0', 16) >= t, target);
    const rows = await h.page.locator('.hex-row').count();
    assert.ok(rows <= (await bound()), `${rows} rows after scrolling a megabyte`);
    const [mapKept, panelKept, mutations] = await h.page.evaluate(() => {
      const w = window as unknown as { __map: Element | null; __panel: Element | null; __mutations: number; __watch: MutationObserver };
      w.__watch.takeRecords();
      return [w.__map?.isConnected, w.__panel?.isConnected, w.__mutations];
    });
    assert.deepEqual([mapKept, panelKept, mutations], [true, true, 0]);
  });

  test('the page raised no errors', () => {
    assert.deepEqual(h.errors, []);
  });
});
