import type { CliIo } from '../../infra/cli/io.js';

/** Captures what a CLI command prints, for in-process tests of `main()`. */
export function captureIo(stdin = ''): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    err(text: string) {
      io.stderr += text.endsWith('\n') ? text : `${text}\n`;
    },
    readStdin: async () => stdin,
  };
  return io;
}
