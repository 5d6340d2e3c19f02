#!/usr/bin/env node
// Offline schema validation of Kubernetes objects.
//
//   node validate.mjs [file.yaml ...]     (no file: reads YAML from stdin)
//
// Every object must match a schema, or it is reported as an error: an apiVersion/kind
// this script does not know is a failure, never a silent pass.
// - Kubernetes, Gateway API, Argo CD, Argo Rollouts, Prometheus operator and External
//   Secrets: the `validate()` of the kubernetes-models classes (OpenAPI schemas of the
//   upstream APIs and CRDs, compiled).
// - RabbitMQ Cluster and Messaging Topology operators, Envoy Gateway's policies (no npm
//   models): the JSON schemas vendored in ./schemas/<group>/, one file per kind (its
//   apiVersion and kind are the schema's `const`s), shared parts in the group's
//   _common.json; checked with ajv. They reject unknown fields.
// - Every object with a model is also type-checked, as an object literal, against the
//   model's TypeScript interface (tsc's excess-property check): a misspelled or
//   misplaced field, which the OpenAPI schemas let through, is an error too.
// Prints one JSON line per object ({index, apiVersion, kind, name, errors}) and exits 1
// when any object has errors.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";
import ts from "typescript";
import addFormats from "ajv-formats";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");

const MODEL_PACKAGES = [
  "kubernetes-models",
  "@kubernetes-models/gateway-api",
  "@kubernetes-models/argo-cd",
  "@kubernetes-models/argo-rollouts",
  "@kubernetes-models/prometheus-operator",
  "@kubernetes-models/external-secrets",
];

/**
 * The model class of an apiVersion/kind, or undefined. Only the group/version modules that the
 * input uses are imported (loading every model of every package takes seconds).
 */
const loaded = new Map();
/** apiVersion/kind -> the module specifier of the model's .d.ts, for the strict check. */
const typeModules = new Map();
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (!loaded.has(apiVersion)) {
    const classes = new Map();
    for (const pkg of MODEL_PACKAGES) {
      const index = join(modules, pkg, group, version, "index.js");
      if (!existsSync(index)) continue;
      const mod = await import(pathToFileURL(index).href);
      for (const cls of Object.values(mod)) {
        if (typeof cls === "function" && cls.apiVersion === apiVersion && cls.kind) {
          classes.set(cls.kind, cls);
          typeModules.set(`${apiVersion}/${cls.kind}`, [pkg, group, version, cls.kind].filter(Boolean).join("/"));
        }
      }
    }
    loaded.set(apiVersion, classes);
  }
  return loaded.get(apiVersion).get(kind);
}

/** apiVersion/kind -> ajv validator, from every schemas/<group>/<Kind>.json. */
function loadVendoredSchemas() {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  const root = join(here, "schemas");
  const groups = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name));
  for (const dir of groups) {
    if (existsSync(join(dir, "_common.json"))) ajv.addSchema(JSON.parse(readFileSync(join(dir, "_common.json"), "utf8")));
  }
  const validators = new Map();
  for (const dir of groups) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".json") && !f.startsWith("_"))) {
      const schema = JSON.parse(readFileSync(join(dir, file), "utf8"));
      const apiVersion = schema.properties?.apiVersion?.const;
      const kind = schema.properties?.kind?.const;
      if (!apiVersion || kind !== file.replace(/\.json$/, "")) throw new Error(`${file}: the schema must fix apiVersion and kind (${kind}) by const`);
      validators.set(`${apiVersion}/${kind}`, ajv.compile(schema));
    }
  }
  return validators;
}

function readDocuments(files) {
  const texts = files.length ? files.map((f) => readFileSync(f, "utf8")) : [readFileSync(0, "utf8")];
  const objects = [];
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error(`YAML: ${doc.errors[0].message}`);
      const value = doc.toJS();
      if (value !== null && value !== undefined) objects.push(value);
    }
  }
  return objects;
}

function ajvMessages(errors) {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ""}`);
}

async function validateOne(obj, vendored) {
  const key = `${obj?.apiVersion}/${obj?.kind}`;
  if (typeof obj !== "object" || !obj.apiVersion || !obj.kind) return ["not a Kubernetes object (apiVersion and kind are required)"];
  if (!obj.metadata?.name) return ["metadata.name is required"];
  const schema = vendored.get(key);
  if (schema) return schema(obj) ? [] : ajvMessages(schema.errors);
  const Model = await modelFor(String(obj.apiVersion), String(obj.kind));
  if (!Model) return [`no schema known for ${key}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return String(e.message ?? e).split("\n").filter(Boolean);
  }
}

/**
 * tsc over one virtual file per object: `const o: I<Kind> = <object>;`. Returns the
 * diagnostics per object index. Unknown fields surface as TS2353/TS2561 (excess property).
 */
function strictErrors(objects) {
  const dir = join(here, "__objects__");
  const files = new Map();
  objects.forEach((obj, index) => {
    const module = typeModules.get(`${obj?.apiVersion}/${obj?.kind}`);
    if (!module) return;
    const source = `import type { I${obj.kind} } from "${module}";\nexport const o: I${obj.kind} = ${JSON.stringify(obj)};\n`;
    files.set(join(dir, `object${index}.ts`), { index, source });
  });
  if (files.size === 0) return new Map();
  const options = { noEmit: true, strict: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => files.has(name) ? ts.createSourceFile(name, files.get(name).source, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name)?.source ?? readFile.call(host, name);
  const program = ts.createProgram([...files.keys()], options, host);
  const errors = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file && files.get(d.file.fileName);
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!file) throw new Error(`type check: ${message}`);
    errors.set(file.index, [...(errors.get(file.index) ?? []), `strict: ${message.replace(/"/g, "")}`]);
  }
  return errors;
}

const vendored = loadVendoredSchemas();
let failed = 0;
const objects = readDocuments(process.argv.slice(2));
const results = [];
for (const obj of objects) results.push(await validateOne(obj, vendored));
const strict = strictErrors(objects);
for (const [index, obj] of objects.entries()) {
  const errors = [...results[index], ...(strict.get(index) ?? [])];
  if (errors.length) failed++;
  console.log(JSON.stringify({ index, apiVersion: obj?.apiVersion, kind: obj?.kind, name: obj?.metadata?.name, errors }));
}
process.exit(failed ? 1 : 0);
