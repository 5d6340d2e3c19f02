#!/usr/bin/env node
// The metric names that PromQL queries read, per file.
//
//   node promql-metrics.mjs FILE...
//
// FILE is any of:
// - a Grafana dashboard (*.json): every panel target's `expr` (rows' nested panels too)
//   and every query variable (`label_values(<selector>, <label>)`, `query_result(<expr>)`);
// - YAML (*.yaml, *.yml, one or more documents): the `expr` of every rule of a
//   PrometheusRule, the `query` of every Prometheus metric of an AnalysisTemplate;
// - a bare PromQL expression (*.promql).
// With --queries first, prints instead every query with the vector selectors it reads,
// [{"file", "where", "expr", "selectors": ["name{...}", ...]}], for running them against a
// real Prometheus (e2e ObservabilityIT).
//
// Prints one JSON object on stdout, {"<file as given>": ["metric_name", ...]}, names
// sorted and unique. Names with a colon are recording rules (Prometheus reserves colons
// for them), not metrics anything exports.
//
// Queries are parsed by the PromQL grammar of the Prometheus project
// (@prometheus-io/lezer-promql), not matched with regular expressions: a name is the
// identifier of a vector selector, or the value of an `__name__="..."` matcher. Grafana's
// interval variables ($__rate_interval, $__interval, $__range) are read as 5m first; any
// other variable must sit inside a quoted label value. A query that does not parse, or a
// `__name__` matcher that is not an equality, is an error: the script prints one line per
// error on stderr ("<file>: <where>: <message>") and exits 1, so a query it cannot read
// can never pass for one that reads nothing.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { parser } from "@prometheus-io/lezer-promql";

const GRAFANA_INTERVALS = /\$\{?__(rate_interval|interval|range)\}?/g;

/** The metric names an expression selects. Throws on a syntax error. */
export function metricNames(expr) {
  const query = expr.replace(GRAFANA_INTERVALS, "5m");
  const tree = parser.parse(query);
  const names = new Set();
  const errors = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`syntax error at ${node.from}: '${query.slice(Math.max(0, node.from - 20), node.to + 20)}'`);
        return;
      }
      if (node.name === "VectorSelector") {
        const id = node.node.getChild("Identifier");
        if (id) names.add(query.slice(id.from, id.to));
      }
      if (node.name === "UnquotedLabelMatcher" || node.name === "QuotedLabelMatcher") {
        const label = node.node.getChild("LabelName") ?? node.node.getChild("QuotedLabelName");
        if (label && query.slice(label.from, label.to).replace(/"/g, "") === "__name__") {
          const op = node.node.getChild("MatchOp");
          const value = node.node.getChild("StringLiteral");
          if (!op || query.slice(op.from, op.to) !== "=" || !value) {
            errors.push(`only __name__="<name>" is supported: '${query.slice(node.from, node.to)}'`);
          } else {
            names.add(JSON.parse(query.slice(value.from, value.to).replace(/^'(.*)'$/, "\"$1\"")));
          }
        }
      }
      if (node.name === "QuotedLabelName" && node.node.parent?.name === "LabelMatchers") {
        // {"metric.name", ...}: a quoted metric name (UTF-8 names, Prometheus 3).
        names.add(JSON.parse(query.slice(node.from, node.to)));
      }
    },
  });
  if (errors.length) throw new Error(errors.join("; "));
  return names;
}

/** The vector selectors of an expression, as written (`name{matchers}`, no range). Throws on a syntax error. */
export function selectors(expr) {
  metricNames(expr);
  const query = expr.replace(GRAFANA_INTERVALS, "5m");
  const out = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.name === "VectorSelector") {
        out.push(query.slice(node.from, node.to));
        return false;
      }
    },
  });
  return out;
}

/** Grafana template variable queries: label_values(sel, label), label_values(label), query_result(expr), metrics(re), label_names(). */
function variableQuery(query) {
  const text = String(query).trim();
  let m;
  if ((m = /^label_values\(\s*(.+)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/s.exec(text))) return m[1];
  if (/^label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.test(text)) return null;
  if ((m = /^query_result\(\s*(.+)\s*\)$/s.exec(text))) return m[1];
  if (/^(metrics|label_names)\(/.test(text)) return null;
  return text;
}

/** [where, expr] pairs of a Grafana dashboard. */
function dashboardQueries(dashboard) {
  const out = [];
  const visit = (panels) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === "string" && target.expr.trim()) out.push([`panel '${panel.title}' target ${target.refId}`, target.expr]);
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== "query") continue;
    const raw = typeof variable.query === "object" ? variable.query?.query : variable.query;
    const expr = raw ? variableQuery(raw) : null;
    if (expr) out.push([`variable '${variable.name}'`, expr]);
  }
  return out;
}

/** [where, expr] pairs of Kubernetes objects. */
function manifestQueries(objects) {
  const out = [];
  for (const o of objects) {
    const id = `${o?.kind}/${o?.metadata?.name}`;
    if (o?.kind === "PrometheusRule") {
      for (const group of o.spec?.groups ?? []) {
        for (const rule of group.rules ?? []) {
          out.push([`${id} ${group.name} ${rule.alert ?? rule.record}`, String(rule.expr)]);
        }
      }
    }
    if (o?.kind === "AnalysisTemplate" || o?.kind === "ClusterAnalysisTemplate") {
      for (const metric of o.spec?.metrics ?? []) {
        const query = metric.provider?.prometheus?.query;
        if (query) out.push([`${id} metric ${metric.name}`, query]);
      }
    }
  }
  return out;
}

/** [where, expr] pairs of a file, by its extension. */
export function queriesOf(file) {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) return dashboardQueries(JSON.parse(text));
  if (file.endsWith(".promql")) return [["expression", text]];
  if (/\.ya?ml$/.test(file)) {
    const objects = parseAllDocuments(text).map((d) => {
      if (d.errors.length) throw new Error(`YAML: ${d.errors[0].message}`);
      return d.toJS();
    }).filter((o) => o);
    return manifestQueries(objects);
  }
  throw new Error("not a dashboard (.json), manifest (.yaml/.yml) or expression (.promql)");
}

/**
 * Calls visit(file, where, expr) for every query of the files; prints each query or file it cannot read
 * on stderr. Returns how many could not be read.
 */
function eachQuery(files, visit) {
  let failed = 0;
  for (const file of files) {
    try {
      for (const [where, expr] of queriesOf(file)) {
        try {
          visit(file, where, expr);
        } catch (e) {
          failed++;
          console.error(`${file}: ${where}: ${e.message}`);
        }
      }
    } catch (e) {
      failed++;
      console.error(`${file}: ${e.message}`);
    }
  }
  return failed;
}

function main(args) {
  const listing = args[0] === "--queries";
  const files = listing ? args.slice(1) : args;
  if (!files.length) {
    console.error("usage: node promql-metrics.mjs [--queries] FILE...   (dashboards *.json, manifests *.yaml, expressions *.promql)");
    return 2;
  }
  let result;
  let failed;
  if (listing) {
    // Every query with its selectors, [{file, where, expr, selectors}], to run them against a Prometheus.
    result = [];
    failed = eachQuery(files, (file, where, expr) => result.push({ file, where, expr, selectors: selectors(expr) }));
  } else {
    const names = Object.fromEntries(files.map((f) => [f, new Set()]));
    failed = eachQuery(files, (file, where, expr) => metricNames(expr).forEach((n) => names[file].add(n)));
    result = Object.fromEntries(files.map((f) => [f, [...names[f]].sort()]));
  }
  console.log(JSON.stringify(result, null, 1));
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
