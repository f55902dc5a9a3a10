// Writes schema/*.json from the zod schemas (`npm run schema`). Commit the result: editors and
// report consumers read these files, and a test fails when they are stale.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonSchemas } from '../src/schemas.ts';

const OUT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'schema');

await mkdir(OUT_DIR, { recursive: true });
for (const [name, text] of Object.entries(jsonSchemas())) {
  const file = path.join(OUT_DIR, name);
  const current = await readFile(file, 'utf8').catch(() => null);
  // Leave an unchanged file alone so its mtime does not trigger rebuilds.
  if (current === text) {
    console.log(`schema/${name} is up to date`);
  } else {
    await writeFile(file, text);
    console.log(`wrote schema/${name}`);
  }
}
