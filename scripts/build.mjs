// Bundles the two entry points into dist/ (action: dist/index.js, CLI: dist/cli.js).
// The output is deterministic so CI can check that dist/ matches a fresh build.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { bundleOptions } from './bundle-options.ts';

await rm('dist', { recursive: true, force: true });

const common = { ...bundleOptions, sourcemap: 'linked', sourcesContent: false };

// The action loads its GitHub publisher (Octokit) only after the run, from a chunk of its own.
await build({ ...common, entryPoints: { index: 'src/action/index.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]' });
await build({
  ...common,
  entryPoints: { cli: 'src/cli/index.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node\n' + bundleOptions.banner.js },
});
