// Bundles the two entry points into dist/ (action: dist/index.js, CLI: dist/cli.js).
// The output is deterministic so CI can check that dist/ matches a fresh build.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm('dist', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __vgCreateRequire } from 'node:module'; const require = __vgCreateRequire(import.meta.url);",
  },
};

await build({ ...common, entryPoints: { index: 'src/action/index.ts' }, outdir: 'dist' });
await build({
  ...common,
  entryPoints: { cli: 'src/cli/index.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node\n' + common.banner.js },
});
