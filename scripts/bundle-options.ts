// The esbuild settings of the dist/ bundles, shared with the benchmark so that it measures the
// code users run.
import type { BuildOptions, Plugin } from 'esbuild';

/**
 * zod re-exports its 64 message locales (258 KB, a third of the CLI bundle) as z.locales and z.core.locales, which
 * vision-gate never uses; its English messages come from their own module. Every byte of the
 * bundle is parsed on each cold start, so the re-export resolves to an empty module instead.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'vision-gate-empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'vision-gate-empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * @actions/core imports its OIDC token client (@actions/http-client, and with it undici) and its
 * platform helpers (@actions/exec) at the top of the module, though vision-gate calls neither;
 * declared free of side effects, they are left out unless something uses them (the GitHub
 * publisher does, from its own chunk). They define classes and functions and run nothing on load.
 */
const unusedToolkitModules: Plugin = {
  name: 'unused-toolkit-modules',
  setup(build) {
    build.onResolve({ filter: /^@actions\/(http-client|exec|io)(\/|$)/ }, async (args) => {
      if (args.pluginData === 'resolved') return undefined;
      const { path, namespace, external, errors, warnings } = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolved',
      });
      return { path, namespace, external, errors, warnings, sideEffects: false };
    });
  },
};

export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [zodEnglishOnly, unusedToolkitModules],
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __vgCreateRequire } from 'node:module'; const require = __vgCreateRequire(import.meta.url);",
  },
} satisfies BuildOptions;
