#!/usr/bin/env node
// Grafana dashboards (JSON model) checked against Grafana's own schema: the TypeScript types of the
// @grafana/schema package (the classic dashboard model Grafana imports), by the TypeScript compiler.
//
//   node dashboard-schema.mjs DASHBOARD.json...
//
// Each file is compiled, in memory, as `(<its JSON>) satisfies Json<Dashboard>`: a key the schema does not
// know (a misspelt `unit`, a panel field of another version), a value of the wrong type, or a required
// field missing is an error. Json<T> reads each string enum as the union of its values, as JSON holds them.
// Prints one line per error on stderr ("<file>:<line>: <message>") and exits 1 when there is any.
import ts from "typescript";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2);
if (!files.length) {
  console.error("usage: node dashboard-schema.mjs DASHBOARD.json...");
  process.exit(2);
}
const PREFIX = 'import type { Dashboard } from "@grafana/schema";\n'
  + "type Json<T> = T extends string ? `${T}` : T extends object ? { [K in keyof T]: Json<T[K]> } : T;\n"
  + "export const dashboard = (";
const virtual = new Map(files.map((f) => [join(here, ".dashboards", basename(f) + ".ts"),
  { file: f, text: `${PREFIX}${readFileSync(f, "utf8").trim()}\n) satisfies Json<Dashboard>;\n` }]));

const options = { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
const host = ts.createCompilerHost(options);
const { getSourceFile, fileExists, readFile } = host;
host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
host.readFile = (name) => virtual.get(name)?.text ?? readFile.call(host, name);
host.getSourceFile = (name, language, ...rest) => virtual.has(name)
  ? ts.createSourceFile(name, virtual.get(name).text, language)
  : getSourceFile.call(host, name, language, ...rest);

const program = ts.createProgram([...virtual.keys()], options, host);
const errors = ts.getPreEmitDiagnostics(program);
for (const d of errors) {
  const source = d.file && virtual.get(d.file.fileName);
  // The JSON starts on line 3 of the compiled text.
  const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start).line - 1 : 0;
  console.error(`${source ? source.file : d.file?.fileName ?? ""}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}
process.exitCode = errors.length ? 1 : 0;
