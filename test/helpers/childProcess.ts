/** Runs the `mirrorflow` bin as a child process and waits for its JSON ready line. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface RunningCommand<T> {
  child: ChildProcess;
  ready: T;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startCommand<T>(args: string[], timeoutMs = 60_000): Promise<RunningCommand<T>> {
  const child = spawn(process.execPath, ['bin/mirrorflow.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${timeoutMs} ms; stderr: ${stderr}`)),
      timeoutMs,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`the first line is not JSON: ${line}`));
      }
    });
    void exited.then((code) =>
      reject(new Error(`exited with ${code} before it was ready; stderr: ${stderr}`)),
    );
  });
  return {
    child,
    ready,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
