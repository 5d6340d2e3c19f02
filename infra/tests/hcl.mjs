// infra/ as data: every .tf parsed by hcl2json (the HCL parser of Terraform's own
// hclparse, compiled to WebAssembly), grouped by module directory, and a small evaluator
// that resolves the values the rules need through tfvars and module calls.
import { parse } from '@cdktf/hcl2json';
import fs from 'node:fs';
import path from 'node:path';

export const INFRA = path.resolve(import.meta.dirname, '..');
export const REPO = path.resolve(INFRA, '..');
export const ENVIRONMENTS = ['dev', 'stg', 'prd'];
export const UNKNOWN = Symbol('unknown');

/** Every .tf file under dir (tests/ and .terraform/ excluded), relative paths. */
export function tfFiles(dir = INFRA) {
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.tf') && !f.split(path.sep).some((p) => p === 'tests' || p === '.terraform' || p === 'node_modules'))
    .sort();
}

/** One directory's .tf files merged: resources, data, variables, outputs, locals, module calls, providers, terraform blocks. */
export async function loadModule(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();
  const m = { dir, resources: [], data: [], ephemeral: [], variables: {}, outputs: {}, locals: {}, modules: {}, providers: [], terraform: [] };
  for (const f of files) {
    const file = path.join(dir, f);
    const json = await parse(file, fs.readFileSync(file, 'utf8'));
    for (const [kind, list] of [['resource', m.resources], ['data', m.data], ['ephemeral', m.ephemeral]]) {
      for (const [type, byName] of Object.entries(json[kind] ?? {})) {
        for (const [name, bodies] of Object.entries(byName)) {
          for (const body of bodies) list.push({ type, name, body, file: path.relative(REPO, file), address: `${kind === 'resource' ? '' : kind + '.'}${type}.${name}` });
        }
      }
    }
    for (const [name, bodies] of Object.entries(json.variable ?? {})) m.variables[name] = bodies[0];
    for (const [name, bodies] of Object.entries(json.output ?? {})) m.outputs[name] = bodies[0];
    for (const block of json.locals ?? []) Object.assign(m.locals, block);
    for (const [name, bodies] of Object.entries(json.module ?? {})) m.modules[name] = { ...bodies[0], file: path.relative(REPO, file) };
    for (const [name, bodies] of Object.entries(json.provider ?? {})) for (const body of bodies) m.providers.push({ name, body, file: path.relative(REPO, file) });
    for (const body of json.terraform ?? []) m.terraform.push({ body, file: path.relative(REPO, file) });
  }
  return m;
}

/** Every module directory of a configuration, keyed by its path relative to infra/ ("." is the root). */
export async function loadConfiguration(root = INFRA) {
  const dirs = [...new Set(tfFiles(root).map((f) => path.dirname(f)))];
  const modules = {};
  for (const d of dirs) modules[d] = await loadModule(path.join(root, d));
  return modules;
}

/** The text of every .tf and .tfvars file under dir, by path relative to the repository. */
export function texts(dir = INFRA) {
  const out = {};
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    if (!/\.(tf|tfvars)$/.test(f) || f.split(path.sep).some((p) => p === 'tests' || p === '.terraform' || p === 'node_modules')) continue;
    out[path.relative(REPO, path.join(dir, f))] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  return out;
}

/** A configuration, its instances per environment and its texts: what every rule is given. */
export async function subject(root = INFRA) {
  const config = await loadConfiguration(root);
  const envs = {};
  for (const env of ENVIRONMENTS) envs[env] = await instances(config, env, root);
  return { config, envs, texts: texts(root) };
}

/** tfvars of an environment, parsed like HCL. */
export async function tfvars(env, root = INFRA) {
  const file = path.join(root, 'env', `${env}.tfvars`);
  return fs.existsSync(file) ? parse(file, fs.readFileSync(file, 'utf8')) : {};
}

/**
 * The value of an expression as hcl2json gives it, in a scope of variables and locals:
 * literals, var.x, !var.x, local.x and `cond ? a : b` over those. Anything else is UNKNOWN
 * (known only to a plan).
 */
export function evaluate(value, scope) {
  if (typeof value !== 'string') return value;
  const whole = /^\$\{(.*)\}$/s.exec(value);
  if (!whole) return value.includes('${') ? UNKNOWN : value;
  return expr(whole[1].trim(), scope);
}

function expr(e, scope) {
  const ternary = /^(.+?)\s*\?\s*(.+?)\s*:\s*(.+)$/s.exec(e);
  if (ternary) {
    const c = expr(ternary[1], scope);
    return c === UNKNOWN ? UNKNOWN : expr(c ? ternary[2] : ternary[3], scope);
  }
  if (e.startsWith('!')) {
    const v = expr(e.slice(1).trim(), scope);
    return v === UNKNOWN ? UNKNOWN : !v;
  }
  const eq = /^(.+?)\s*==\s*(.+)$/.exec(e);
  if (eq) {
    const [a, b] = [expr(eq[1], scope), expr(eq[2], scope)];
    return a === UNKNOWN || b === UNKNOWN ? UNKNOWN : a === b;
  }
  if (/^"[^"]*"$/.test(e)) return e.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(e)) return Number(e);
  if (e === 'true' || e === 'false') return e === 'true';
  if (e === 'null') return null;
  const ref = /^(var|local)\.([\w-]+)$/.exec(e);
  if (ref) {
    const table = ref[1] === 'var' ? scope.vars : scope.locals;
    return table && ref[2] in table ? evaluate(table[ref[2]], scope) : UNKNOWN;
  }
  return UNKNOWN;
}

/**
 * For one environment: each module directory's instances with their variable values
 * (root: defaults and tfvars; a module: its call's arguments evaluated in the caller).
 * Returns [{dir, module, scope}] for every reachable module instance.
 */
export async function instances(config, env, root = INFRA) {
  const values = await tfvars(env, root);
  const out = [];
  const visit = (dir, vars) => {
    const module = config[dir];
    const scope = { vars: {}, locals: module.locals };
    for (const [name, v] of Object.entries(module.variables)) scope.vars[name] = name in vars ? vars[name] : (v.default ?? UNKNOWN);
    scope.locals = { ...module.locals, environment: env };
    out.push({ dir, module, scope });
    for (const call of Object.values(module.modules)) {
      const child = path.normalize(path.join(dir, call.source));
      if (!config[child]) continue;
      const args = {};
      for (const [k, v] of Object.entries(call)) args[k] = evaluate(v, scope);
      visit(child, args);
    }
  };
  visit('.', values);
  return out;
}
