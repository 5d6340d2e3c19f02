// What `terraform validate` would say about names, without downloading a provider: every
// argument and block of every resource and data source exists in the pinned provider's
// schema and none it requires is missing, the pins are the schemas' versions, and modules are called with the variables
// they declare and referenced by the outputs they have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfiguration, INFRA } from './hcl.mjs';
import { loadSchema, unknownArguments } from './schema.mjs';

const SCHEMAS = { aws: loadSchema('@cdktf/provider-aws'), helm: loadSchema('@cdktf/provider-helm') };
const roots = { 'infra/': await loadConfiguration(INFRA), 'infra/bootstrap/': await loadConfiguration(path.join(INFRA, 'bootstrap')) };
const everyModule = Object.values(roots['infra/']);

test('the provider pins are the versions whose schemas are checked', () => {
  for (const [root, config] of Object.entries(roots)) {
    const pins = {};
    for (const m of Object.values(config)) for (const t of m.terraform) for (const rp of t.body.required_providers ?? []) Object.assign(pins, rp);
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      if (!pins[name]) continue;
      assert.equal(pins[name].source, schema.provider, `${root} ${name} source`);
      assert.equal(pins[name].version, schema.version, `${root} pins ${name} ${pins[name].version}; the checked schema is ${schema.version} (update package.json with it)`);
    }
    assert.ok(pins.aws, `${root} pins the aws provider`);
  }
});

test('every argument and block of every resource and data source exists in its provider, and every required one is there', (t) => {
  const problems = [];
  const unchecked = new Set();
  for (const config of Object.values(roots)) {
    for (const m of Object.values(config)) {
      for (const [list, kind] of [[m.resources, 'resources'], [m.data, 'dataSources']]) {
        for (const r of list) {
          const schema = SCHEMAS[r.type.split('_')[0]];
          if (!schema) { unchecked.add(r.type); continue; }
          const s = schema[kind][r.type];
          if (!s) { problems.push(`${r.file} ${r.address}: ${r.type} is not a ${kind === 'resources' ? 'resource' : 'data source'} of ${schema.provider} ${schema.version}`); continue; }
          for (const p of unknownArguments(r.body, s)) problems.push(`${r.file} ${r.address}: ${p}`);
        }
      }
      for (const r of m.ephemeral) unchecked.add(`ephemeral ${r.type}`);
    }
  }
  t.diagnostic(`not checked here (no schema package; terraform validate checks them in the workflow): ${[...unchecked].sort().join(', ') || 'none'}`);
  assert.deepEqual(problems, []);
});

test('an unknown argument or block, or a missing required one, is refused', () => {
  const s = SCHEMAS.aws.resources.aws_db_instance;
  assert.deepEqual(unknownArguments({ instance_class: 'db.t4g.medium', storage_encryption: true }, s), ['storage_encryption: no such argument or block']);
  assert.deepEqual(unknownArguments({ instance_class: 'db.t4g.medium', restore_to_point_in_time: [{ use_latest_restorable_time: true, restore_time_utc: 'x' }] }, s),
    ['restore_to_point_in_time.restore_time_utc: no such argument or block']);
  assert.deepEqual(unknownArguments({ engine: 'postgres' }, s), ['instance_class: required, missing']);
  assert.deepEqual(unknownArguments({ cluster_name: 'c', node_role_arn: 'r', subnet_ids: [] }, SCHEMAS.aws.resources.aws_eks_node_group), ['scaling_config: required, missing']);
  assert.deepEqual(unknownArguments({ family: 'postgres16', dynamic: { parameters: [{ content: [{}] }] } }, SCHEMAS.aws.resources.aws_db_parameter_group), ['parameters: no such block']);
});

test('modules are called with the variables they declare, every required one, and read by outputs they have', () => {
  const problems = [];
  for (const caller of everyModule) {
    for (const [name, call] of Object.entries(caller.modules)) {
      const dir = path.normalize(path.join(path.relative(INFRA, caller.dir), call.source));
      const callee = roots['infra/'][dir];
      if (!callee) { problems.push(`${call.file} module.${name}: no module at ${call.source}`); continue; }
      const args = Object.keys(call).filter((k) => !['source', 'count', 'for_each', 'depends_on', 'providers', 'file', 'version'].includes(k));
      for (const a of args) if (!(a in callee.variables)) problems.push(`${call.file} module.${name}: ${a} is not a variable of ${dir}`);
      for (const [v, decl] of Object.entries(callee.variables)) if (!('default' in decl) && !args.includes(v)) problems.push(`${call.file} module.${name}: required variable ${v} not passed`);
    }
    const text = JSON.stringify([caller.resources, caller.data, caller.modules, caller.outputs, caller.locals, caller.providers]);
    for (const [, mod, out] of text.matchAll(/module\.([\w-]+)(?:\[\d+\])?\.([\w-]+)/g)) {
      const call = caller.modules[mod];
      if (!call) { problems.push(`${path.relative(INFRA, caller.dir)}: module.${mod} is not called`); continue; }
      const callee = roots['infra/'][path.normalize(path.join(path.relative(INFRA, caller.dir), call.source))];
      if (callee && !(out in callee.outputs)) problems.push(`${path.relative(INFRA, caller.dir)}: module.${mod}.${out} is not an output`);
    }
    for (const [, v] of text.matchAll(/var\.([\w-]+)/g)) if (!(v in caller.variables)) problems.push(`${path.relative(INFRA, caller.dir)}: var.${v} is not declared`);
    for (const [, l] of text.matchAll(/local\.([\w-]+)/g)) if (!(l in caller.locals)) problems.push(`${path.relative(INFRA, caller.dir)}: local.${l} is not defined`);
  }
  assert.deepEqual([...new Set(problems)], []);
});
