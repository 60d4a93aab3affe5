/**
 * A layout that holds (issue 13), in Chromium at 1440×900 and 1024×700, measured rather than looked
 * at: symlink names keep their width beside 1000- and 4095-byte targets; long names are cut in the
 * middle with the whole name as the tooltip (tree, search results, breadcrumb, tabs); digests stay
 * on one line; a 4 KB target is clamped yet copyable; the hex text column stays inside the hex
 * view; the findings pane of a broken image takes real clicks; "+ Open" stays in sight with 4+ tabs;
 * the compare bar wraps instead of drawing over itself; the top/bottom splitter moves with keys and
 * with a drag. axe-core checks the new controls in both themes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { buildRenderer, CHROMIUM, startHarness, treeRow as row, openImage, type Harness } from './harness.ts';
import { corpusPath, corpusSkip, REPO_ROOT } from '../helpers/corpus.ts';

const skip = corpusSkip || (existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CFS_CHROMIUM)`);
const FS_TREE = corpusPath('02-fs-tree', 'image.cfs');
const BROKEN = join(REPO_ROOT, 'samples', 'demo', 'broken.cfs');

/** The fs-tree case's dump line of `path`, split into its fields (target in 8, digest in 10). */
const dumpFields = (path: string): string[] =>
  readFileSync(corpusPath('02-fs-tree', 'info-dump.txt'), 'latin1')
    .split('\n')
    .find((l) => l.startsWith(`${path} `))!
    .split(' ');

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
const box = (l: Locator): Promise<Box> =>
  l.evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  });
/** Area shared by two boxes; sub-pixel touching does not count. */
const overlap = (a: Box, b: Box): number => {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return w > 0.5 && h > 0.5 ? w * h : 0;
};
const inside = (inner: Box, outer: Box, slack = 0.5) =>
  inner.left >= outer.left - slack && inner.right <= outer.right + slack && inner.top >= outer.top - slack && inner.bottom <= outer.bottom + slack;
/** Whether the element is what a real pointer would hit at its own centre (nothing covers it). */
const hitAtCentre = (l: Locator): Promise<boolean> =>
  l.evaluate((e) => {
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && (hit === e || e.contains(hit));
  });
/** Pairs of elements among `items` that draw over each other (an element and one inside it do not count). */
async function overlaps(items: Locator): Promise<string[]> {
  const found = await items.evaluateAll((els) => {
    const pairs: [number, number, DOMRect, DOMRect][] = [];
    for (let i = 0; i < els.length; i++)
      for (let j = i + 1; j < els.length; j++)
        if (!els[i]!.contains(els[j]!) && !els[j]!.contains(els[i]!)) pairs.push([i, j, els[i]!.getBoundingClientRect(), els[j]!.getBoundingClientRect()]);
    // No named helper here: the page lacks the __name wrapper the test's loader gives named functions.
    const names = els.map((e) => `${e.className || e.tagName}:${(e.textContent ?? '').slice(0, 20)}`);
    return pairs.map(([i, j, a, b]) => ({
      pair: `${names[i]} × ${names[j]}`,
      a: { left: a.left, right: a.right, top: a.top, bottom: a.bottom, width: a.width, height: a.height },
      b: { left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width, height: b.height },
    }));
  });
  return found.filter(({ a, b }) => overlap(a, b) > 0).map(({ pair }) => pair);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** axe-core's violations on the page as it stands, one line per node (the new controls must add none). */
async function axeViolations(h: Harness): Promise<string[]> {
  await h.page.evaluate(AXE);
  const found = (await h.page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as { id: string; nodes: { target: string[] }[] }[];
  return found.flatMap((v) => v.nodes.map((n) => `${v.id} at ${n.target.join(' ')}`));
}

let built = false;

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
]) {
  describe(`a layout that holds at ${viewport.width}×${viewport.height}`, { skip }, () => {
    let h: Harness;
    before(async () => {
      if (!built) buildRenderer();
      built = true;
      h = await startHarness({ viewport });
      await h.load();
    });
    after(async () => {
      await h?.close();
    });
    const screen = { left: 0, top: 0, right: viewport.width, bottom: viewport.height, width: viewport.width, height: viewport.height };

    async function expand(path: string, child: string) {
      await h.page.locator(`${row(path)} .twisty`).click();
      await h.page.locator(row(child)).waitFor();
    }
    async function select(path: string) {
      await h.page.locator(row(path)).click();
      await h.page.locator(`${row(path)}.selected`).waitFor();
      await h.page.locator('[data-testid="details-path"]', { hasText: path }).waitFor();
    }

    test('a symlink with a 1000- or 4095-byte target keeps its whole name; the target is what gets cut', async () => {
      await openImage(h, FS_TREE, '/links');
      await expand('/links', '/links/long4095');
      const list = await box(h.page.locator('.tree-list'));
      for (const name of ['long1000', 'long4095']) {
        const r = h.page.locator(row(`/links/${name}`));
        const nameEl = r.locator('.name');
        const target = r.locator('.target');
        const [n, t, rb] = [await box(nameEl), await box(target), await box(r)];
        assert.ok(n.width > 40, `${name}: the name is ${n.width} px wide`);
        assert.deepEqual(await nameEl.evaluate((e) => [e.scrollWidth <= e.clientWidth, e.textContent]), [true, name], `${name} shows whole`);
        assert.ok(await hitAtCentre(nameEl), `${name}: nothing covers the name`);
        assert.ok(t.left >= n.right - 0.5, `${name}: the target starts after the name`);
        assert.ok(t.right <= Math.min(rb.right, list.right) + 0.5, `${name}: the target ends inside the row`);
        assert.ok(await target.evaluate((e) => e.scrollWidth > e.clientWidth), `${name}: the target is cut, not the name`);
        assert.equal(await target.getAttribute('title'), dumpFields(`/links/${name}`)[8]);
      }
    });

    test('long names are cut in the middle, start and end in sight, the whole name as the tooltip', async () => {
      await expand('/longnames', '/longnames/' + 'a'.repeat(255));
      const list = await box(h.page.locator('.tree-list'));
      // 127 × "é" then "x": the end that a plain ellipsis would hide.
      const accented = h.page.locator('.tree-row[data-path^="/longnames/é"]');
      const full = (await accented.getAttribute('data-path'))!.slice('/longnames/'.length);
      assert.match(full, /^é+x$/);
      await accented.scrollIntoViewIfNeeded();
      const name = accented.locator('.name');
      assert.equal(await name.getAttribute('title'), full);
      assert.equal(await name.textContent(), full, 'the text is the whole name (copy, find, screen readers)');
      const tail = name.locator('.mid-tail');
      assert.equal(await tail.textContent(), 'é'.repeat(8) + 'x');
      const [tb, head] = [await box(tail), await box(name.locator('.mid-head'))];
      assert.ok(tb.right <= list.right && tb.left >= list.left, 'the end of the name is inside the tree');
      assert.ok(tb.width > 40 && head.width > 40, `head ${head.width} px, tail ${tb.width} px`);
      assert.ok(await name.locator('.mid-head').evaluate((e) => e.scrollWidth > e.clientWidth), 'the start is what gets cut');
      assert.ok(await hitAtCentre(tail), 'nothing covers the end of the name');

      // The breadcrumb of a 255-byte folder: one line, every part inside it, the current name's end in sight.
      const dir = '/longnames/' + 'd'.repeat(255);
      await select(dir);
      const crumbs = h.page.getByTestId('details-path');
      const cb = await box(crumbs);
      assert.equal(await crumbs.textContent(), dir);
      assert.equal(await crumbs.getAttribute('title'), dir);
      assert.ok(cb.height < 24, `the breadcrumb is one line (${cb.height} px)`);
      assert.ok(inside(await box(crumbs.getByRole('button', { name: 'longnames' })), cb), 'the ancestor keeps its name');
      const current = crumbs.locator('.crumb.current .mid');
      assert.equal(await current.getAttribute('title'), 'd'.repeat(255));
      assert.ok(inside(await box(current.locator('.mid-tail')), cb), 'the end of the current name is inside the breadcrumb');
      const title = h.page.getByTestId('details-name').locator('.mid');
      assert.equal(await title.getAttribute('title'), 'd'.repeat(255));
      assert.ok((await box(h.page.getByTestId('details-name'))).height < 26, 'the heading is one line');

      // Search results: the hit's name keeps its end inside the list.
      await h.page.locator('#image-search').fill('fffff');
      const hit = h.page.locator('.search-hit').first();
      await hit.waitFor();
      const hitName = hit.locator('.name');
      assert.equal(await hitName.getAttribute('title'), 'f'.repeat(255));
      assert.ok(inside(await box(hitName.locator('.mid-tail')), await box(hit)), 'the end of the hit name is inside its row');

      // Two 255-byte components in one breadcrumb: both give way, both ends stay in sight, one line.
      const deep = `${dir}/${'f'.repeat(255)}`;
      await hit.click();
      await h.page.locator('[data-testid="details-path"]', { hasText: deep }).waitFor();
      const deepBox = await box(crumbs);
      assert.ok(deepBox.height < 24, `the breadcrumb is one line (${deepBox.height} px)`);
      assert.ok(inside(await box(crumbs.getByRole('button', { name: 'longnames' })), deepBox), 'the short ancestor keeps its name');
      const dirCrumb = crumbs.locator(`button.crumb[title="${dir}"]`);
      assert.equal(await dirCrumb.textContent(), 'd'.repeat(255));
      assert.equal(await dirCrumb.getAttribute('title'), dir);
      for (const tailEl of [dirCrumb.locator('.mid-tail'), crumbs.locator('.crumb.current .mid-tail')]) {
        const b = await box(tailEl);
        assert.ok(inside(b, deepBox) && b.width > 40, `a tail at ${b.left}-${b.right} inside ${deepBox.left}-${deepBox.right}`);
      }
      assert.ok(await hitAtCentre(dirCrumb), 'the ancestor stays clickable');
    });

    test('a 4 KB symlink target is clamped to a few lines, expands into a bounded box, and copies whole', async () => {
      await h.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
      await select('/links/long4095');
      const field = h.page.locator('[data-field="target"]');
      const text = field.getByTestId('clamped-text');
      const shut = await box(text);
      assert.ok(shut.height > 10 && shut.height <= 60, `clamped target is ${shut.height} px tall`);
      // The rest of the details stays on the first screen of the pane.
      const pane = await box(h.page.locator('.details-pane'));
      assert.ok((await box(h.page.locator('.fields dt', { hasText: 'Structures' }))).bottom <= pane.bottom, 'Structures is still in view');
      await field.getByRole('button', { name: 'Show all 4,095 characters' }).click();
      await field.getByRole('button', { name: 'Show less' }).waitFor();
      const open = await box(text);
      assert.ok(open.height > shut.height && open.height <= 260, `expanded target is ${open.height} px tall`);
      assert.ok(await text.evaluate((e) => e.scrollHeight > e.clientHeight), 'the expanded box scrolls');
      // Before the copy: the fading "Copied" notice is not this test's business.
      assert.deepEqual(await axeViolations(h), [], 'the expanded target, its buttons, the splitter and the selected symlink row pass axe');
      await field.getByRole('button', { name: 'Copy target' }).click();
      await h.page.getByTestId('copy-notice').filter({ hasText: 'Copied target' }).waitFor();
      const target = dumpFields('/links/long4095')[8]!;
      assert.equal(target.length, 4095);
      assert.equal(await h.page.evaluate(() => navigator.clipboard.readText()), target);
      await field.getByRole('button', { name: 'Show less' }).click();
      await field.getByRole('button', { name: /^Show all/ }).waitFor();
    });

    test('digests and the object path stay on one line, the whole value in the tooltip', async () => {
      // By search: /sizes is far down a tree whose rows are drawn only where they are in view.
      await h.page.locator('#image-search').fill('f4096');
      await h.page.locator('.search-hit[data-path="/sizes/f4096"]').click();
      await h.page.locator(`${row('/sizes/f4096')}.selected`).waitFor();
      await h.page.locator('[data-testid="details-path"]', { hasText: '/sizes/f4096' }).waitFor();
      const digest = dumpFields('/sizes/f4096')[10]!;
      const expected = h.page.locator('[data-field="verity"] .digest').first();
      await expected.waitFor();
      const dd = await box(h.page.locator('[data-field="verity"]'));
      for (const el of [expected, h.page.locator('[data-field="redirect"] .one-line').first()]) {
        const b = await box(el);
        const lh = await el.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || 17);
        assert.ok(b.height < lh * 1.5, `one line: ${b.height} px for a line of ${lh} px`);
        assert.ok(b.right <= dd.right + 0.5, 'inside the details pane');
      }
      assert.equal(await expected.textContent(), digest);
      assert.equal(await expected.getAttribute('title'), digest);
      assert.equal(await expected.evaluate((e) => getComputedStyle(e).userSelect), 'all', 'one click selects the whole digest to copy');
      assert.equal(await h.page.locator('[data-field="redirect"] .one-line').first().getAttribute('title'), `${digest.slice(0, 2)}/${digest.slice(2)}`);
    });

    test('the hex view shows its offset, byte and text columns whole; the block map keeps its height', async () => {
      await h.page.getByTestId('block-map').waitFor();
      const scroll = h.page.getByTestId('hex-scroll');
      const sb = await scroll.evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.left + e.clientWidth, top: r.top, bottom: r.top + e.clientHeight, width: e.clientWidth, height: e.clientHeight };
      });
      const hexRow = scroll.locator('.hex-row').first();
      for (const part of ['.hex-off', '.hex-bytes', '.hex-ascii']) assert.ok(inside(await box(hexRow.locator(part)), { ...sb, top: -1e6, bottom: 1e6 }), `${part} inside the hex view`);
      const lastChar = await box(hexRow.locator('.ha').nth(15));
      assert.ok(lastChar.right <= sb.right && lastChar.width >= 7, 'the 16th character is in view');
      assert.ok(await scroll.evaluate((e) => e.scrollWidth <= e.clientWidth), 'nothing hides sideways');
      const map = await box(h.page.getByTestId('block-map'));
      assert.ok(map.height >= 10, `the block map is ${map.height} px tall`);
      assert.ok(inside(await box(h.page.locator('.hex-pane')), screen), 'the hex pane is inside the window');
    });

    test('the splitter moves the top/bottom boundary with the arrow keys and with a drag', async () => {
      const splitter = h.page.getByRole('separator', { name: 'Resize the top and bottom panes' });
      assert.equal(await splitter.getAttribute('aria-orientation'), 'horizontal');
      assert.deepEqual([await splitter.getAttribute('aria-valuemin'), await splitter.getAttribute('aria-valuemax'), await splitter.getAttribute('aria-valuenow')], ['20', '80', '58']);
      const ws = await box(h.page.locator('.workspace'));
      const bar = await box(splitter);
      const top0 = await box(h.page.locator('.top'));
      await splitter.focus();
      await h.page.keyboard.press('ArrowDown');
      await h.page.locator('[role="separator"][aria-valuenow="60"]').waitFor();
      const top1 = await box(h.page.locator('.top'));
      assert.ok(Math.abs(top1.height - top0.height - 0.02 * (ws.height - bar.height)) < 1.5, `ArrowDown grew the top by ${top1.height - top0.height} px`);
      assert.ok(await splitter.evaluate((e) => e.matches(':focus-visible') && getComputedStyle(e).outlineStyle === 'solid' && parseFloat(getComputedStyle(e).outlineWidth) >= 2), 'the focus ring shows');
      await h.page.keyboard.press('ArrowUp');
      await h.page.keyboard.press('ArrowUp');
      await h.page.locator('[role="separator"][aria-valuenow="56"]').waitFor();
      await h.page.keyboard.press('End');
      await h.page.locator('[role="separator"][aria-valuenow="80"]').waitFor();
      await h.page.keyboard.press('Home');
      await h.page.locator('[role="separator"][aria-valuenow="20"]').waitFor();
      assert.ok((await box(h.page.locator('.top'))).height >= 0.2 * (ws.height - bar.height) - 1, 'Home stops at the smallest top');

      // A drag: the bar's middle follows the pointer, the panes meet at the bar.
      const from = await box(splitter);
      const x = from.left + from.width / 2;
      const y = ws.top + ws.height * 0.45;
      await h.page.mouse.move(x, from.top + from.height / 2);
      await h.page.mouse.down();
      await h.page.mouse.move(x, y, { steps: 4 });
      await h.page.mouse.up();
      const want = Math.round(((y - ws.top - bar.height / 2) / (ws.height - bar.height)) * 100);
      await h.page.locator(`[role="separator"][aria-valuenow="${want}"]`).waitFor();
      const [moved, top, bottom] = [await box(splitter), await box(h.page.locator('.top')), await box(h.page.locator('.bottom'))];
      assert.ok(Math.abs(moved.top + moved.height / 2 - y) < 1.5, `the bar's middle is at ${moved.top + moved.height / 2}, the pointer at ${y}`);
      assert.ok(Math.abs(top.bottom - moved.top) < 1 && Math.abs(bottom.top - moved.bottom) < 1, 'the panes meet at the bar');
      assert.ok(Math.abs(bottom.bottom - ws.bottom) < 1, 'the bottom panes end at the window edge');
      // Page keys take big steps; back to the default for the tests that follow.
      await splitter.focus();
      await h.page.keyboard.press('Home');
      await h.page.keyboard.press('PageDown');
      await h.page.locator('[role="separator"][aria-valuenow="30"]').waitFor();
      await h.page.keyboard.press('PageDown');
      await h.page.keyboard.press('PageDown');
      for (let i = 0; i < 4; i++) await h.page.keyboard.press('ArrowDown');
      await h.page.locator('[role="separator"][aria-valuenow="58"]').waitFor();
    });

    test('the findings pane of a broken image is on screen and takes real clicks', async () => {
      await openImage(h, BROKEN, '/etc');
      await h.page.getByTestId('save-report-check').waitFor({ timeout: 60_000 });
      const pane = await box(h.page.locator('.findings-pane'));
      assert.ok(inside(pane, screen), `findings pane ${JSON.stringify(pane)}`);
      assert.ok(pane.height >= 150, `findings pane is ${pane.height} px tall`);
      assert.deepEqual(await overlaps(h.page.locator('.findings-pane > .pane-head > *')), []);
      assert.deepEqual(await overlaps(h.page.locator('.hex-pane > .pane-head > *')), []);
      const save = h.page.getByTestId('save-report-check');
      assert.ok(await hitAtCentre(save), 'Save report… is not covered');
      const [download] = await Promise.all([h.page.waitForEvent('download'), save.click()]);
      assert.equal(download.suggestedFilename(), 'broken-check.html');
      const first = h.page.locator('.findings-list .finding').first();
      assert.ok(inside(await box(first), screen), 'the first finding is inside the window');
      await first.click();
      await h.page.locator('.findings-list .finding.selected').waitFor();
      const slice = h.page.locator('.bm-slice[data-mark="root"]').first();
      await slice.waitFor();
      assert.ok(await hitAtCentre(slice), 'a block-map slice is not covered');
      await slice.click();
      await h.page.getByTestId('byte-owner').filter({ hasText: /^0x[0-9a-f]+ is / }).waitFor();
    });

    test('with 4, then 8 images open the tabs shrink, then scroll, and "+ Open" stays in sight and clickable', async () => {
      await openImage(h, corpusPath('03-diff', 'v1', 'image.cfs'), '/etc');
      await openImage(h, corpusPath('03-diff', 'v2', 'image.cfs'), '/etc');
      assert.equal(await h.page.locator('.tab').count(), 4);
      const openBtn = h.page.getByRole('button', { name: '+ Open' });
      const check = async () => {
        assert.ok(inside(await box(openBtn), screen), '"+ Open" is inside the window');
        assert.ok(await hitAtCentre(openBtn), '"+ Open" is not covered');
        assert.deepEqual(await overlaps(h.page.locator('.toolbar > *')), []);
        for (const tab of await h.page.locator('.tab').all()) assert.ok((await box(tab)).width >= 100, 'each tab stays wide enough to name');
        // Same-named images: the parent folder that tells them apart is never the part cut away.
        for (const v of ['v1', 'v2']) {
          const head = h.page.locator('.tab-name', { hasText: `…/${v}/image.cfs` }).locator('.mid-head');
          assert.equal(await head.textContent(), `…/${v}/`);
          assert.ok(await head.evaluate((e) => e.scrollWidth <= e.clientWidth), `"…/${v}/" shows whole`);
        }
      };
      await check();
      // The active tab shows the file name whole: the parent path is what gets cut.
      const active = h.page.locator('.tab.active .tab-name');
      assert.equal(await active.textContent(), '…/v2/image.cfs');
      h.dialogs.images.push(corpusPath('01-readme', 'image.cfs'));
      await openBtn.click();
      await h.page.locator(`.tab.active .tab-name[title="${corpusPath('01-readme', 'image.cfs')}"]`).waitFor();
      assert.equal(await h.page.locator('.tab').count(), 5);
      await check();
      // Eight: more than the strip holds at 1024 px. It scrolls (the wheel too); the active tab stays in view.
      const more = [join(REPO_ROOT, 'samples', 'demo', 'v1.cfs'), corpusPath('04-dump-tree', 'image.cfs'), corpusPath('07-quirks', 'image.cfs')];
      for (const image of more) {
        h.dialogs.images.push(image);
        await openBtn.click();
        await h.page.locator(`.tab.active .tab-name[title="${image}"]`).waitFor();
      }
      assert.equal(await h.page.locator('.tab').count(), 8);
      await check();
      const strip = h.page.locator('.tab-strip');
      const stripBox = await box(strip);
      if (viewport.width === 1024) assert.ok(await strip.evaluate((e) => e.scrollWidth > e.clientWidth), 'eight tabs overflow the strip at 1024 px');
      assert.ok(inside(await box(h.page.locator('.tab.active')), stripBox), 'the active tab is scrolled into view');
      await h.page.mouse.move(stripBox.left + stripBox.width / 2, stripBox.top + stripBox.height / 2);
      await h.page.mouse.wheel(0, -2000);
      await h.page.waitForFunction(() => document.querySelector('.tab-strip')!.scrollLeft === 0);
      assert.ok(inside(await box(h.page.locator('.tab').first()), stripBox), 'the wheel brings the first tab back');
      assert.deepEqual(await axeViolations(h), [], 'eight tabs in a scrolling strip pass axe');
      for (const image of [corpusPath('01-readme', 'image.cfs'), ...more]) {
        await h.page.locator(`.tab:has(.tab-name[title="${image}"]) .tab-close`).click();
        await h.page.locator(`.tab-name[title="${image}"]`).waitFor({ state: 'detached' });
      }
      assert.equal(await h.page.locator('.tab').count(), 4);
    });

    test('the compare bar wraps its groups instead of drawing them over each other', async () => {
      await h.page.locator('.tab-name', { hasText: '…/v2/image.cfs' }).click();
      await h.page.locator('.tab.active .tab-name', { hasText: '…/v2/image.cfs' }).waitFor();
      await h.page.getByRole('combobox', { name: 'Compare with' }).selectOption({ label: '…/v1/image.cfs' });
      await h.page.getByTestId('compare-counts').locator('.chip').first().waitFor();
      const bar = await box(h.page.locator('.compare-bar'));
      assert.ok(bar.right <= viewport.width + 0.5, 'the bar ends inside the window');
      // Everything one sees or clicks in the bar, across its groups: no two of them share a pixel.
      const parts = h.page.locator('.compare-bar').locator('.compare-title, .chip, label, input, button, .compare-options > .dim');
      assert.ok((await parts.count()) >= 9, 'title, 4 counts, 2 checkboxes, the patterns box, Stop comparing');
      assert.deepEqual(await overlaps(parts), []);
      for (const part of await parts.all()) assert.ok(inside(await box(part), bar), `${await part.textContent()} inside the bar`);
      assert.ok(await hitAtCentre(h.page.getByRole('button', { name: 'Stop comparing' })), 'Stop comparing is not covered');
      assert.ok(await hitAtCentre(h.page.getByRole('textbox', { name: 'Ignore xattrs' })), 'the xattr patterns box is not covered');
      await h.screenshot(`layout-holds-compare-${viewport.width}`);
      assert.deepEqual(h.errors, []);
    });
  });
}

describe('the new controls in the dark theme at 1024×700', { skip }, () => {
  let h: Harness;
  before(async () => {
    if (!built) buildRenderer();
    built = true;
    h = await startHarness({ viewport: { width: 1024, height: 700 }, colorScheme: 'dark' });
    await h.load();
  });
  after(async () => {
    await h?.close();
  });

  test('a selected symlink with its expanded target, the focused splitter and middle-cut names pass axe', async () => {
    h.dialogs.images.push(FS_TREE);
    await h.page.getByRole('button', { name: 'Open image…' }).click();
    await h.page.locator(row('/links')).waitFor();
    await h.page.locator('#image-search').fill('long4095');
    await h.page.locator('.search-hit[data-path="/links/long4095"]').click();
    await h.page.locator(`${row('/links/long4095')}.selected`).waitFor();
    await h.page.locator('[data-field="target"]').getByRole('button', { name: /^Show all/ }).click();
    await h.page.locator('[data-field="target"]').getByRole('button', { name: 'Show less' }).waitFor();
    await h.page.getByRole('separator').focus();
    await h.page.keyboard.press('ArrowUp');
    await h.page.locator('[role="separator"][aria-valuenow="56"]').waitFor();
    assert.deepEqual(await axeViolations(h), []);
    assert.deepEqual(h.errors, []);
  });
});
