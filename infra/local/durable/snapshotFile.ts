/**
 * A service's whole state in one JSON file, written atomically (temporary file, then rename) and in groups:
 * every change asks for a save and waits for it before it is answered, and the changes of a few milliseconds
 * share one write. Used where the state is a snapshot (the VPC emulator's model) rather than a journal.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export class SnapshotFile<T> {
  private waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => T,
    private readonly groupMs = 5,
  ) {}

  /** What the file holds, if it exists. */
  read(): T | undefined {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as T) : undefined;
  }

  /** Resolves once a write that includes every change made before this call is in the file. */
  save(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.timer ??= setTimeout(() => this.saveNow(), this.groupMs);
    });
  }

  saveNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.waiting;
    this.waiting = [];
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.snapshot()));
    renameSync(`${this.file}.tmp`, this.file);
    for (const resolve of waiting) resolve();
  }
}
