// What every browser test needs: the stack's addresses (from ConsoleStack), Debian's Chromium, signing in
// through the identity provider's own page, tokens for the API, axe-core, screenshots, and a watch on
// Content-Security-Policy violations.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CONSOLE_URL = required('DATAPIPE_CONSOLE_URL');
export const GENERATOR_URL = required('DATAPIPE_GENERATOR_URL');
export const IDP_ISSUER = required('DATAPIPE_IDP_ISSUER');
const CHROMIUM = process.env.DATAPIPE_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.DATAPIPE_SCREENSHOTS ?? 'target/screenshots';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** People of this run: the tests may run again against the same stack and find nothing of the last run. */
const RUN = Date.now().toString(36);
export function person(name) {
  return `${name}-${RUN}`;
}

export const DESKTOP = { width: 1280, height: 800 };
export const NARROW = { width: 360, height: 740 };

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests through ConsoleStack (mvn verify, make test)`);
  }
  return value;
}

/**
 * Debian's headless Chromium. Playwright gives every launch a fresh, empty user-data-dir; the flags keep
 * Chromium off the network beyond the stack (this machine's network is closed).
 */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (make test does: apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-gpu', '--disable-quic'],
  });
}

/**
 * A fresh browser context (no cookies, no storage) and page, with every Content-Security-Policy
 * violation and every uncaught page error recorded: {@link closeClean} fails a test that had any.
 */
export async function openPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      page.problems.push(`CSP: ${message.text()}`);
    }
  });
  return page;
}

/** Ends a test's page: it must have had no Content-Security-Policy violation and no uncaught error. */
export async function closeClean(page) {
  assert.deepEqual(page.problems, [], 'no Content-Security-Policy violation and no uncaught error in the page');
  await page.context().close();
}

/**
 * Signs in as a person would: opens the console, presses "Sign in", types the user name and roles on the
 * identity provider's page and submits it. With `keyboard`, only keys are used; `onProviderPage` runs on
 * the provider's page before anything is typed.
 */
export async function signIn(page, user, { roles = 'data.read, data.write', claims, path = '', keyboard = false, expectSignedIn = true, onProviderPage } = {}) {
  await page.goto(CONSOLE_URL + path);
  const start = page.getByRole('button', { name: 'Sign in' });
  if (keyboard) {
    await focusByTab(page, start);
    await page.keyboard.press('Enter');
  } else {
    await start.click();
  }
  await page.waitForURL((url) => url.href.startsWith(IDP_ISSUER));
  await page.getByLabel('User name').waitFor();
  await onProviderPage?.(page);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Roles').fill(roles);
  if (claims) {
    await page.getByLabel('More claims (optional)').fill(JSON.stringify(claims));
  }
  if (keyboard) {
    await page.getByLabel('User name').focus();
    await page.keyboard.press('Enter');
  } else {
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForURL((url) => url.href.startsWith(CONSOLE_URL) && !url.search.includes('code='));
  if (expectSignedIn) {
    await page.getByText(`Signed in as ${user}`).waitFor();
  }
}

/** Presses Tab until the element has the focus: what a keyboard-only user does. */
export async function focusByTab(page, locator, { limit = 40 } = {}) {
  for (let presses = 0; presses < limit; presses++) {
    if (await locator.evaluate((element) => element === document.activeElement)) {
      return;
    }
    await page.keyboard.press('Tab');
  }
  assert.fail(`${limit} presses of Tab did not reach ${locator}`);
}

/** A token from the identity provider's password grant, as `make token` gets one. */
export async function tokenFor(user, roles) {
  const response = await fetch(`${IDP_ISSUER}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'datapipe-browser-tests', username: user, password: 'any', roles }),
  });
  assert.equal(response.status, 200, 'the identity provider issues a token');
  return (await response.json()).access_token;
}

/** Posts records straight to the API, one after the other (so that their order is known); returns their ids. */
export async function postRecords(token, count, label) {
  const ids = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${GENERATOR_URL}/data`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ label, index }),
    });
    assert.equal(response.status, 202, `record ${index} accepted`);
    ids.push((await response.json()).id);
  }
  return ids;
}

/**
 * axe-core's whole rule set on the page as it is: no violation allowed. axe runs through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern (the policy stays in force).
 */
export async function assertAccessible(page, what) {
  const results = await page.evaluate(`${AXE_SOURCE}\n;axe.run(document, { resultTypes: ['violations'] })`);
  const violations = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(violations, [], `axe-core finds no violation on ${what}`);
}

/** The page at desktop width and at 360 px, into target/screenshots; the narrow one must not scroll sideways. */
export async function screenshots(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const viewport = page.viewportSize();
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(NARROW);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-360px.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${name} fits 360 px without scrolling sideways (${overflow} px too wide)`);
  await page.setViewportSize(viewport);
}

/** The ids of the records the list shows, top to bottom. */
export async function listedIds(page) {
  return page.locator('.record-id').allTextContents();
}
