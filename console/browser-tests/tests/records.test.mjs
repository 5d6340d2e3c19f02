// Browsing: every page of a person's records through "Load more", and nobody else's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAccessible, closeClean, CONSOLE_URL, launch, listedIds, openPage, postRecords, screenshots, signIn, tokenFor, person } from './support.mjs';

let browser;
let lenasIds;
before(async () => {
  browser = await launch();
  // 25 records, 10 to a page (ConsoleStack sets the console's page size): three pages.
  lenasIds = await postRecords(await tokenFor(person('lena'), 'data.write'), 25, 'lena');
});
after(async () => {
  await browser?.close();
});

test('"Load more" walks every page: all records, newest first, none twice', async () => {
  const page = await openPage(browser);
  await signIn(page, person('lena'), { roles: 'data.read' });
  const more = page.getByRole('button', { name: 'Load more' });
  await page.locator('.record-id').nth(9).waitFor();
  assert.equal((await listedIds(page)).length, 10, 'the first page');
  await assertAccessible(page, 'the list of records');
  await screenshots(page, 'records');

  let pages = 1;
  while (await more.isVisible()) {
    const shown = (await listedIds(page)).length;
    await more.click();
    await page.locator('.record-id').nth(shown).waitFor();
    pages++;
    assert.ok(pages <= 3, 'no more pages than there are');
  }

  const ids = await listedIds(page);
  assert.equal(pages, 3);
  assert.equal(new Set(ids).size, ids.length, 'no record twice');
  // Posted one after the other: newest first is the reverse of the posting order.
  assert.deepEqual(ids, [...lenasIds].reverse());
  await page.getByText('25 records shown.').waitFor();
  await closeClean(page);
});

test("another person sees none of these records, not even by the record's address", async () => {
  const page = await openPage(browser);
  await signIn(page, person('otto'), { roles: 'data.read, data.write' });
  await page.getByText('You have no records yet.').waitFor();
  assert.deepEqual(await listedIds(page), []);

  await page.goto(`${CONSOLE_URL}#/records/${lenasIds[0]}`);
  await page.getByRole('heading', { name: 'Record not found' }).waitFor();
  assert.ok(!(await page.locator('main').textContent()).includes('"label"'), "nothing of the record's content");
  await assertAccessible(page, 'a record that is not found');
  await screenshots(page, 'not-found');
  await closeClean(page);
});
