// .github/workflows/infra.yml does what the review of a platform change needs (the
// GitHub Actions schema and the token rules are checked with the other workflows in k8s/tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { REPO, ENVIRONMENTS } from './hcl.mjs';

const wf = YAML.parse(fs.readFileSync(path.join(REPO, '.github/workflows/infra.yml'), 'utf8'));
const runs = (job) => job.steps.map((s) => s.run ?? '').join('\n');

test('pull requests touching infra/ check fmt and validate, and plan every environment into the pull request', () => {
  assert.ok(wf.on.pull_request.paths.includes('infra/**'));
  assert.match(runs(wf.jobs.check), /terraform fmt -check -recursive/);
  assert.match(runs(wf.jobs.check), /terraform validate/);
  assert.match(runs(wf.jobs.check), /terraform providers lock[\s\S]*git push/);
  assert.deepEqual(wf.jobs.plan.strategy.matrix.env, ENVIRONMENTS);
  assert.match(runs(wf.jobs.plan), /terraform plan .*-var-file=env\/\$\{\{ matrix.env \}\}.tfvars -out=/);
  assert.match(runs(wf.jobs.plan), /gh pr comment/);
  assert.equal(wf.jobs.plan.permissions['pull-requests'], 'write');
});

test('merged changes apply the saved plan, each environment behind its own approval, with OIDC', () => {
  const apply = wf.jobs.apply;
  assert.ok(wf.on.push.branches.includes('main'));
  assert.equal(apply.environment, '${{ matrix.env }}');
  assert.deepEqual(apply.strategy.matrix.env, ENVIRONMENTS);
  assert.equal(apply.strategy['max-parallel'], 1, 'dev, then stg, then prd');
  assert.ok(apply.steps.some((s) => s.uses?.startsWith('actions/download-artifact') && s.with.name === 'plan-${{ matrix.env }}'));
  assert.match(runs(apply), /terraform apply [^\n]*\$\{\{ matrix.env \}\}\.tfplan/);
  assert.doesNotMatch(runs(apply), /terraform plan|-auto-approve/);
  for (const job of [wf.jobs.plan, apply]) {
    assert.equal(job.permissions['id-token'], 'write');
    assert.ok(job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials') && s.with['role-to-assume']));
  }
});
