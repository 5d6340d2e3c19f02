// The providers' schemas, offline: @cdktf/provider-aws and @cdktf/provider-helm are
// generated from `terraform providers schema` of the pinned providers, and their jsii
// assemblies name every argument and nested block of every resource and data source
// (each property's documentation links to the Terraform attribute it stands for).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function camelToSnake(s) {
  return s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

function terraformName(property) {
  const docs = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''}`;
  const link = /#([a-z0-9_]+) [A-Za-z0-9]+#/.exec(docs);
  return link ? link[1] : camelToSnake(property.name);
}

/** {provider, version, resources: {type: Schema}, dataSources: {type: Schema}}; Schema = {attributes:Set, blocks:{name: Schema}}. */
export function loadSchema(pkg) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  // Reading the 130 MB assembly takes seconds: keep what is derived from it beside it.
  const cache = path.join(dir, '..', '..', '.cache', `infra-schema-2-${pkg.replace('/', '+')}-${version}.json`);
  if (fs.existsSync(cache)) return revive(JSON.parse(fs.readFileSync(cache, 'utf8')));
  const schema = readAssembly(path.join(dir, '.jsii'));
  fs.mkdirSync(path.dirname(cache), { recursive: true });
  fs.writeFileSync(cache, JSON.stringify(schema, (k, v) => (v instanceof Set ? [...v] : v)));
  return schema;
}

function revive(schema) {
  const struct = (s) => ({ attributes: new Set(s.attributes), required: s.required, blocks: Object.fromEntries(Object.entries(s.blocks).map(([k, v]) => [k, struct(v)])) });
  for (const kind of ['resources', 'dataSources']) for (const [type, s] of Object.entries(schema[kind])) schema[kind][type] = struct(s);
  return schema;
}

function readAssembly(assemblyFile) {
  const types = JSON.parse(fs.readFileSync(assemblyFile, 'utf8')).types;
  const schema = { resources: {}, dataSources: {} };
  const structSchema = (fqn, seen = new Set()) => {
    const s = { attributes: new Set(), blocks: {}, required: [] };
    const t = types[fqn];
    if (!t || seen.has(fqn)) return s;
    const next = new Set(seen).add(fqn);
    for (const p of t.properties ?? []) {
      const name = terraformName(p);
      if (!p.optional) s.required.push(name);
      const nested = p.type?.fqn ?? p.type?.collection?.elementtype?.fqn;
      if (nested && types[nested]?.kind === 'interface' && types[nested]?.datatype) s.blocks[name] = structSchema(nested, next);
      else s.attributes.add(name);
    }
    return s;
  };
  for (const [fqn, t] of Object.entries(types)) {
    const m = /registry\.terraform\.io\/providers\/([\w-]+)\/([\w-]+)\/([\d.]+)\/docs\/(resources|data-sources)\/([a-z0-9_]+) ([a-z0-9_]+)\}/.exec(t.docs?.summary ?? '');
    if (t.kind !== 'class' || !m) continue;
    schema.provider = `${m[1]}/${m[2]}`;
    schema.version = m[3];
    (m[4] === 'resources' ? schema.resources : schema.dataSources)[m[6]] = structSchema(`${fqn}Config`);
  }
  return schema;
}

const META = new Set(['count', 'for_each', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection']);

/**
 * Names used in a resource or data block that its schema does not have, as
 * "path: name" strings. Dynamic blocks are checked through their content.
 */
export function unknownArguments(body, schema, where = '') {
  const problems = [];
  for (const [key, value] of Object.entries(body)) {
    if (where === '' && META.has(key)) continue;
    if (key === 'dynamic') {
      for (const [name, defs] of Object.entries(value)) {
        if (!schema.blocks[name]) { problems.push(`${where}${name}: no such block`); continue; }
        for (const d of defs) for (const c of d.content ?? []) problems.push(...unknownArguments(c, schema.blocks[name], `${where}${name}.`));
      }
      continue;
    }
    if (schema.blocks[key]) {
      if (Array.isArray(value)) for (const v of value) if (v && typeof v === 'object') problems.push(...unknownArguments(v, schema.blocks[key], `${where}${key}.`));
      continue;
    }
    if (!schema.attributes.has(key)) problems.push(`${where}${key}: no such argument or block`);
  }
  const present = new Set([...Object.keys(body), ...Object.keys(body.dynamic ?? {})]);
  for (const name of schema.required ?? []) if (!present.has(name)) problems.push(`${where}${name}: required, missing`);
  return problems;
}
