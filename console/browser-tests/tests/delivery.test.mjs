// How the console is delivered: a strict Content-Security-Policy, no inline script, content-hashed assets
// cached for good, the page itself revalidated, and the settings it gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CONSOLE_URL, GENERATOR_URL, IDP_ISSUER } from './support.mjs';

test('the page has a strict Content-Security-Policy and no inline script; its assets are immutable', async () => {
  const response = await fetch(CONSOLE_URL);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-cache');
  const policy = Object.fromEntries(response.headers.get('content-security-policy').split(';')
    .map((directive) => directive.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(policy['default-src'], ["'none'"]);
  assert.deepEqual(policy['script-src'], ["'self'"], 'scripts from the page origin only: no inline script, no eval');
  assert.deepEqual(policy['style-src'], ["'self'"]);
  assert.deepEqual(policy['connect-src'], ["'self'", new URL(GENERATOR_URL).origin, new URL(IDP_ISSUER).origin],
    'requests only to the API and the identity provider');
  assert.deepEqual(policy['frame-ancestors'], ["'none'"]);

  const html = await response.text();
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attributes, body] of scripts) {
    assert.match(attributes, /src="\/assets\/[\w-]+\.js"/, 'a script from a hashed asset');
    assert.equal(body.trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /\son\w+=/i, 'no inline event handlers');

  for (const [, asset] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
    const cached = await fetch(new URL(asset, CONSOLE_URL));
    assert.equal(cached.status, 200, asset);
    assert.equal(cached.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
  }
  const missing = await fetch(new URL('/assets/main-NOSUCHHASH.js', CONSOLE_URL));
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('cache-control'), null, 'a miss is not cached');
});

test('the page gets its identity provider, client and API from the web service, never cached', async () => {
  const response = await fetch(new URL('/config.json', CONSOLE_URL));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('cache-control'), /no-store/);
  const config = await response.json();
  assert.equal(config.issuer, IDP_ISSUER);
  assert.equal(config.postUrl, `${GENERATOR_URL}/data`);
  assert.deepEqual(config.roleClaims, ['Role', 'groups']);
  assert.deepEqual(config.roles, { read: 'data.read', write: 'data.write' });
});
