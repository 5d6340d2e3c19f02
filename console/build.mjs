// Builds the console into a folder the web service serves as static content (default: Maven's
// target/classes/console, so the module's jar carries it): type-checks with tsc, bundles and minifies
// with esbuild into content-hashed assets (cached immutable), writes index.html naming them, and fails
// when the JavaScript exceeds its budget.
//
//   node build.mjs [output-folder]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

import * as esbuild from 'esbuild';

const out = process.argv[2] ?? 'target/classes/console';
const assets = join(out, 'assets');
/** The quality bar: all the page's JavaScript, gzipped. */
const JS_BUDGET_BYTES = 80 * 1024;

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });
const result = await esbuild.build({
  entryPoints: ['src/main.tsx'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs);
const script = outputs.find((file) => file.endsWith('.js'));
const style = outputs.find((file) => file.endsWith('.css'));
const iconHash = createHash('sha256').update(readFileSync('src/icon.svg')).digest('hex').slice(0, 8).toUpperCase();
const icon = `icon-${iconHash}.svg`;
copyFileSync('src/icon.svg', join(assets, icon));

writeFileSync(join(out, 'index.html'), readFileSync('src/index.html', 'utf8')
  .replace('%SCRIPT%', `/assets/${basename(script)}`)
  .replace('%STYLE%', `/assets/${basename(style)}`)
  .replace('%ICON%', `/assets/${icon}`));

const gzipped = readdirSync(assets)
  .filter((file) => file.endsWith('.js'))
  .reduce((sum, file) => sum + gzipSync(readFileSync(join(assets, file)), { level: 9 }).length, 0);
console.log(`console: ${basename(script)}, ${(gzipped / 1024).toFixed(1)} KiB of JavaScript gzipped (budget ${JS_BUDGET_BYTES / 1024} KiB), into ${out}`);
if (gzipped > JS_BUDGET_BYTES) {
  console.error(`console: the JavaScript is over its budget of ${JS_BUDGET_BYTES / 1024} KiB gzipped`);
  process.exit(1);
}
