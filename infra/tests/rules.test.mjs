// Each rule holds for infra/ (and infra/bootstrap/), and refuses its negative fixture:
// fixtures/<rule>/ is a small configuration that breaks exactly that rule; its first
// line says what the refusal must name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { subject, INFRA } from './hcl.mjs';
import { RULES } from './rules.mjs';

const infra = await subject(INFRA);
const bootstrap = await subject(path.join(INFRA, 'bootstrap'));

for (const rule of RULES) {
  test(`${rule.id}: ${rule.says}`, () => {
    assert.deepEqual(rule.check(infra.config, infra.envs, infra.texts), [], 'infra/');
    assert.deepEqual(rule.check(bootstrap.config, bootstrap.envs, bootstrap.texts), [], 'infra/bootstrap/');
  });

  test(`${rule.id} refuses fixtures/${rule.id}`, async () => {
    const dir = path.join(import.meta.dirname, 'fixtures', rule.id);
    assert.ok(fs.existsSync(path.join(dir, 'main.tf')), `every rule has a negative fixture: ${dir}/main.tf`);
    const expected = /^# refuses: (.+)$/m.exec(fs.readFileSync(path.join(dir, 'main.tf'), 'utf8'))?.[1];
    assert.ok(expected, `${dir}/main.tf starts with "# refuses: <what the violation names>"`);
    const bad = await subject(dir);
    const violations = rule.check(bad.config, bad.envs, bad.texts);
    assert.ok(violations.some((v) => v.includes(expected)), `expected a violation naming "${expected}", got ${JSON.stringify(violations)}`);
  });
}
