// Tokens live in the page's memory only: no storage ever holds them, and signing out forgets them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAccessible, closeClean, CONSOLE_URL, IDP_ISSUER, launch, openPage, signIn, person } from './support.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Everything the browser keeps for the console's origin, as one string to search. */
async function everythingStored(page) {
  const inPage = await page.evaluate(async () => {
    const local = Object.entries(localStorage);
    const session = Object.entries(sessionStorage);
    const databases = await indexedDB.databases();
    const caches = await window.caches.keys();
    return JSON.stringify({ local, session, databases, caches, cookie: document.cookie });
  });
  const cookies = JSON.stringify(await page.context().cookies());
  return inPage + cookies;
}

test('no storage holds the tokens; after signing out, and going back, they are gone', async () => {
  const page = await openPage(browser);
  const issued = [];
  page.on('response', async (response) => {
    if (response.url() === `${IDP_ISSUER}/token` && response.ok()) {
      issued.push(await response.json());
    }
  });
  await signIn(page, person('sven'));
  await page.goto(`${CONSOLE_URL}#/new`);
  await page.getByRole('heading', { name: 'New record' }).waitFor();
  assert.equal(issued.length, 1, 'one token response');
  const secrets = [issued[0].access_token, issued[0].id_token, issued[0].refresh_token].filter(Boolean);
  assert.ok(secrets.length >= 2);

  const signedIn = await everythingStored(page);
  for (const secret of secrets) {
    assert.ok(!signedIn.includes(secret), 'no token in any storage while signed in');
  }
  assert.ok(!signedIn.includes('code_verifier'), 'the sign-in state is gone once the sign-in completed');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText('You are signed out.').waitFor();
  await assertAccessible(page, 'the signed-out page');

  await page.goBack();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByText('Signed in as').count(), 0, 'going back does not sign in again');
  assert.equal(await page.getByRole('textbox').count(), 0, 'no post form');

  const signedOut = await everythingStored(page);
  for (const secret of secrets) {
    assert.ok(!signedOut.includes(secret), 'no token in any storage after signing out');
  }
  // A reload starts from nothing: the page asks to sign in.
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await closeClean(page);
});
