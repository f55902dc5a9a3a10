// The CLI entry: argv and signals in, exit code out. The only caller of process.exit.
import { main } from './main.ts';

// A reader that goes away (`vision-gate run | head`) is not an error worth a stack trace; the
// report and the scorecard are already in their files by the time the terminal output is written.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const controller = new AbortController();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // First signal: stop sending, write what finished. Second: leave now.
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(`\nvision-gate: ${signal} received; finishing with the results so far (again to quit now).\n`);
    controller.abort();
  });
}

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vision-gate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.stderr.write('This is a bug in vision-gate; please report it with the command you ran.\n');
    process.exit(2);
  },
);
