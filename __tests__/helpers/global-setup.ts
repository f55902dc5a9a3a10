// The end-to-end tests run the bundled dist/ files as the runner and users do; build them first
// so a test run always exercises the current source (the build is deterministic, so this never
// changes a committed dist/ that is already fresh). A failed build fails those tests, not the rest.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    console.warn(`global setup: the bundle did not build; the end-to-end tests will fail.\n${stderr}`);
  }
}
