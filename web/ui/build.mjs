// Bundles the dashboard into ../dist, which the hub embeds (web/assets.go).
// Run by `make assets`; `node build.mjs --watch` rebuilds on every change.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const outdir = new URL('../dist/', import.meta.url).pathname;
mkdirSync(outdir, { recursive: true });
// Start clean: whatever is in dist is embedded (README.md stays: it keeps
// the embed pattern valid on a fresh checkout).
for (const f of readdirSync(outdir)) if (f !== 'README.md') rmSync(outdir + f, { recursive: true });

const options = {
  entryPoints: { app: 'src/main.js' }, // its CSS imports become app.css
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  // The console's terminal and player, and mermaid on /topology, are large
  // libraries loaded by one page only: chunks of their own, fetched by that
  // page when it needs them.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  outdir,
  logLevel: 'info',
  legalComments: 'eof',
};

copyFileSync('src/favicon.svg', outdir + 'favicon.svg');
if (process.argv.includes('--watch')) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
