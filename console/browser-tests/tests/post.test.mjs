// Signing in through the identity provider and posting records, by keyboard alone; what the page refuses
// before any request; a double click that posts once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAccessible, closeClean, CONSOLE_URL, focusByTab, GENERATOR_URL, launch, listedIds, openPage, screenshots, signIn, person } from './support.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Every POST the page sends to the API. */
function recordPosts(page) {
  const posts = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().startsWith(`${GENERATOR_URL}/data`)) {
      posts.push(request);
    }
  });
  return posts;
}

test('a person signs in through the identity provider and posts a record, by keyboard alone: accepted, then stored', async () => {
  const page = await openPage(browser);
  await page.goto(CONSOLE_URL);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await assertAccessible(page, 'the sign-in page');
  await screenshots(page, 'sign-in');

  await signIn(page, person('alice'), { keyboard: true, onProviderPage: (provider) => assertAccessible(provider, "the identity provider's sign-in page") });
  await page.getByRole('heading', { name: 'Your records' }).waitFor();
  await page.getByText('You have no records yet.').waitFor();

  const newRecord = page.getByRole('link', { name: 'New record' });
  await focusByTab(page, newRecord);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'New record' }).waitFor();
  await assertAccessible(page, 'the new-record page');

  const editor = page.getByLabel('Record, one JSON object');
  await focusByTab(page, editor);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('{"informationOne": "aaa23", "informationTwo": "bbb24"}');
  await focusByTab(page, page.getByRole('button', { name: 'Post record' }));
  await page.keyboard.press('Enter');

  const status = page.getByRole('status');
  await status.getByText('Accepted').waitFor();
  await status.getByText(/Stored [\d.]+ s after you posted it/).waitFor({ timeout: 30_000 });
  const id = await status.locator('code').first().textContent();
  await assertAccessible(page, 'the new-record page with a stored record');
  await screenshots(page, 'posted');

  await status.getByRole('link', { name: 'See the record' }).click();
  await page.getByRole('heading', { name: 'Record', exact: true }).waitFor();
  await page.getByText('"informationTwo": "bbb24"').waitFor();
  assert.equal(new URL(page.url()).hash, `#/records/${id}`);
  await assertAccessible(page, 'a record');
  await screenshots(page, 'record');

  await page.getByRole('link', { name: 'Your records', exact: true }).click();
  await page.getByRole('heading', { name: 'Your records' }).waitFor();
  await page.locator('.record-id').first().waitFor();
  assert.deepEqual(await listedIds(page), [id]);
  await closeClean(page);
});

test('a double click posts once: one request, one record', async () => {
  const page = await openPage(browser);
  await signIn(page, person('dora'));
  const posts = recordPosts(page);
  await page.goto(`${CONSOLE_URL}#/new`);
  await page.getByLabel('Record, one JSON object').fill('{"clicked": "twice"}');

  await page.getByRole('button', { name: 'Post record' }).dblclick();

  await page.getByRole('status').getByText(/Stored/).waitFor({ timeout: 30_000 });
  assert.equal(posts.length, 1, 'one POST for a double click');
  assert.ok(posts[0].headers()['idempotency-key'], 'the POST carries an Idempotency-Key');
  await page.goto(`${CONSOLE_URL}#/`);
  await page.locator('.record-id').first().waitFor();
  assert.equal((await listedIds(page)).length, 1, 'one record stored');

  // The next submission is a new one, with a key of its own.
  await page.goto(`${CONSOLE_URL}#/new`);
  await page.getByRole('button', { name: 'Post record' }).click();
  await page.getByRole('status').getByText(/Stored/).waitFor({ timeout: 30_000 });
  assert.equal(posts.length, 2);
  assert.notEqual(posts[1].headers()['idempotency-key'], posts[0].headers()['idempotency-key']);
  await closeClean(page);
});

test('what the API would refuse is refused in the page, before any request', async () => {
  const page = await openPage(browser);
  await signIn(page, person('malte'));
  const posts = recordPosts(page);
  await page.goto(`${CONSOLE_URL}#/new`);
  const editor = page.getByLabel('Record, one JSON object');
  const cases = [
    ['{"informationOne": "aaa23"', /This is not valid JSON/],
    ['[1, 2, 3]', /must be one JSON object .* not an array/],
    ['"just a string"', /must be one JSON object .* not a string/],
    [`{"big": "${'x'.repeat(64 * 1024)}"}`, /at most 65,536 are accepted/],
  ];
  for (const [text, message] of cases) {
    await editor.fill(text);
    await page.getByRole('button', { name: 'Post record' }).click();
    const error = page.locator('#payload-error');
    await error.waitFor();
    assert.match(await error.textContent(), message);
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    assert.ok(await editor.evaluate((element) => element === document.activeElement), 'the editor has the focus back');
    if (text.startsWith('{"informationOne"')) {
      await assertAccessible(page, 'the new-record page with an error');
      await screenshots(page, 'invalid-json');
    }
  }
  assert.equal(posts.length, 0, 'no request left the page');
  await closeClean(page);
});
