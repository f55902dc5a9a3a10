// The action entry (dist/index.js): no logic here.
import { run } from './main.ts';

await run();
