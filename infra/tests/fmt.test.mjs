// `terraform fmt -check -recursive infra`: only the formatter runs here (init, validate
// and plan need the providers, which the infra workflow downloads). Without a terraform
// binary on PATH the test is skipped, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { INFRA } from './hcl.mjs';

const version = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const missing = version.error?.code === 'ENOENT';

test('terraform fmt -check -recursive infra', { skip: missing && 'SKIPPED: no terraform on PATH, so the formatting of infra/ is not checked here (the infra workflow checks it)' }, (t) => {
  t.diagnostic(version.stdout.split('\n')[0]);
  const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', INFRA], { encoding: 'utf8' });
  assert.equal(fmt.status, 0, `terraform fmt would change:\n${fmt.stdout}${fmt.stderr}`);
});
