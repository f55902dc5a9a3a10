// Rasterises the brand icons used by the offline demo into examples/images/*.png.
// Run: npx node scripts/make-example-images.ts (see examples/images/PROVENANCE.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { siGithub, siPython, type SimpleIcon } from 'simple-icons';

const SIZE = 256;
const PADDING = 32; // white margin around the 24×24 icon, scaled to fill the rest
const OUT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'images');

const icons: Record<string, SimpleIcon> = { 'python.png': siPython, 'github.png': siGithub };

function iconSvg(icon: SimpleIcon): string {
  const scale = (SIZE - 2 * PADDING) / 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">`,
    `<rect width="${SIZE}" height="${SIZE}" fill="#ffffff"/>`,
    `<path transform="translate(${PADDING} ${PADDING}) scale(${scale})" fill="#${icon.hex}" d="${icon.path}"/>`,
    '</svg>',
  ].join('');
}

const require = createRequire(import.meta.url);
// The package does not export its package.json; read it beside the entry point.
const manifest = path.join(path.dirname(require.resolve('simple-icons')), 'package.json');
const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };

for (const [file, icon] of Object.entries(icons)) {
  // No fonts are needed; skipping the system font scan keeps the output machine-independent.
  const png = new Resvg(iconSvg(icon), { font: { loadSystemFonts: false } }).render().asPng();
  writeFileSync(path.join(OUT_DIR, file), png);
  console.log(`examples/images/${file}: ${icon.title} #${icon.hex}, ${SIZE}×${SIZE}, ${png.length} bytes (simple-icons ${version})`);
}
