// What the page says when the API refuses or cannot be reached: a missing role (403), a throttled caller
// (429), a token no longer accepted (401), no network.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAccessible, closeClean, CONSOLE_URL, GENERATOR_URL, launch, openPage, screenshots, signIn, tokenFor, person } from './support.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('without data.write there is no post form, and a forced POST shows the 403 problem with the missing role', async () => {
  const page = await openPage(browser);
  await signIn(page, person('rita'), { roles: 'data.read' });
  await page.getByRole('heading', { name: 'Your records' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New record' }).count(), 0, 'no link to the post form');
  await page.goto(`${CONSOLE_URL}#/new`);
  await page.getByText('Posting records needs the role data.write').waitFor();
  assert.equal(await page.getByRole('textbox').count(), 0, 'no post form');
  assert.equal(await page.getByRole('button', { name: 'Post record' }).count(), 0);
  await assertAccessible(page, 'the new-record page without data.write');
  await page.context().close();

  // Force it: a page told to read roles from a claim the services do not read, which says data.write.
  const forced = await openPage(browser);
  await forced.route('**/config.json', async (route) => {
    const config = await (await route.fetch()).json();
    await route.fulfill({ json: { ...config, roleClaims: ['Role', 'console_roles'] } });
  });
  await signIn(forced, person('rita'), { roles: 'data.read', claims: { console_roles: ['data.write'] } });
  await forced.goto(`${CONSOLE_URL}#/new`);
  const answer = forced.waitForResponse((response) => response.url().startsWith(`${GENERATOR_URL}/data`) && response.request().method() === 'POST');
  await forced.getByRole('button', { name: 'Post record' }).click();
  assert.equal((await answer).status(), 403, 'the generator refuses');
  const alert = forced.getByRole('alert');
  await alert.getByRole('heading', { name: 'Not allowed' }).waitFor();
  await alert.getByText('Your account lacks the role data.write, which posting records needs.').waitFor();
  await alert.getByText(/The service answered 403: Forbidden \(the token does not carry a role/).waitFor();
  await assertAccessible(forced, 'the 403 problem');
  await screenshots(forced, 'forbidden');
  await closeClean(forced);
});

test('a burst of requests shows the 429 countdown from Retry-After, and posting works again after it', async () => {
  const page = await openPage(browser);
  await signIn(page, person('tess'));
  await page.goto(`${CONSOLE_URL}#/new`);
  const post = page.getByRole('button', { name: 'Post record' });
  // Every state the notice and the button go through: the countdown lasts as long as Retry-After (a
  // second here), too short to be sure to look at it at the right moment.
  await page.evaluate(() => {
    window.noticeStates = [];
    new MutationObserver(() => {
      const notice = document.querySelector('.notice-error');
      const button = document.querySelector('form button');
      if (notice && button) {
        window.noticeStates.push({ text: notice.textContent, disabled: button.disabled });
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  // Another client of tess's keeps her bucket empty until the page has been refused.
  const token = await tokenFor(person('tess'), 'data.write');
  let bursting = true;
  let throttled = 0;
  const burst = Array.from({ length: 6 }, async () => {
    while (bursting) {
      const response = await fetch(`${GENERATOR_URL}/data`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{"burst":true}',
      });
      throttled += response.status === 429 ? 1 : 0;
      await response.arrayBuffer();
    }
  });
  let retryAfter;
  try {
    const deadline = Date.now() + 30_000;
    while (throttled === 0) {
      assert.ok(Date.now() < deadline, 'the burst empties the bucket');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The page may catch a token refilled in between; it is refused at the latest on a later try.
    for (let attempt = 0; ; attempt++) {
      const answer = page.waitForResponse((response) => response.url().startsWith(`${GENERATOR_URL}/data`) && response.request().method() === 'POST');
      await post.click();
      const response = await answer;
      if (response.status() === 429) {
        retryAfter = response.headers()['retry-after'];
        break;
      }
      assert.ok(attempt < 5, 'the page is throttled during the burst');
      await page.getByRole('status').getByText(/Stored/).waitFor({ timeout: 30_000 });
    }
  } finally {
    bursting = false;
    await Promise.all(burst);
  }
  assert.match(retryAfter, /^\d+$/);
  await page.getByRole('heading', { name: 'Too many requests' }).waitFor();
  await page.getByText(/The service answered 429: Too Many Requests/).waitFor();
  await page.getByText('You can try again now.').waitFor({ timeout: 30_000 });
  const states = await page.evaluate(() => window.noticeStates);
  assert.ok(states.some((state) => state.text.includes(`You can try again in ${retryAfter} s.`) && state.disabled),
    `the countdown started at Retry-After (${retryAfter} s) with posting disabled; seen: ${JSON.stringify(states.map((state) => state.text))}`);
  assert.ok(await post.isEnabled(), 'posting is possible again once the countdown is over');
  await assertAccessible(page, 'the 429 notice');
  await screenshots(page, 'throttled');

  await post.click();
  await page.getByRole('status').getByText(/Stored/).waitFor({ timeout: 30_000 });
  await closeClean(page);
});

test('a token the API no longer accepts (401) sends the person to sign in again', async () => {
  const page = await openPage(browser);
  // The API gets a token it cannot accept, as after a key rotation or a revocation.
  const consoleOrigin = new URL(CONSOLE_URL).origin;
  await page.route((url) => url.origin === consoleOrigin && url.pathname === '/data',
    (route) => route.continue({ headers: { ...route.request().headers(), authorization: 'Bearer not.a.token' } }));
  await signIn(page, person('ulla'), { roles: 'data.read', expectSignedIn: false });
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText(/Your sign-in is no longer accepted \(Unauthorized: the token is not a well-formed signed JWT\)\. Sign in again\./).waitFor();
  assert.equal(await page.getByText('Signed in as').count(), 0, 'signed out');
  await assertAccessible(page, 'the sign-in page after a 401');
  await closeClean(page);
});

test('with the network down the page says so, and nothing is lost: the post goes through once it is back', async () => {
  const page = await openPage(browser);
  await signIn(page, person('nina'));
  await page.goto(`${CONSOLE_URL}#/new`);
  await page.context().setOffline(true);
  await page.getByRole('button', { name: 'Post record' }).click();
  await page.getByRole('heading', { name: 'You are offline' }).waitFor();
  await page.getByText(/Nothing was sent/).waitFor();
  await assertAccessible(page, 'the offline notice');
  await page.context().setOffline(false);
  await page.getByRole('button', { name: 'Post record' }).click();
  await page.getByRole('status').getByText(/Stored/).waitFor({ timeout: 30_000 });
  await closeClean(page);
});
