/**
 * An append-only journal of JSON lines: how a local service with `--state DIR` keeps what it has acknowledged.
 * A line is written (synchronously, before the service answers) for each change; the file is in the kernel's
 * page cache when the call returns, so a `kill -9` of the process loses nothing it answered for. (A power cut
 * may: the local cloud does not fsync, it is not a database.) At start the lines are read back and folded
 * into the service's state, and the journal is rewritten as that state, so it does not grow without bound.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Rewritten from the live state once it holds this many bytes (a long-running stack stays bounded). */
const COMPACT_AT_BYTES = 64 * 1024 * 1024;

export class Journal<R> {
  private fd: number;
  private bytes: number;
  private closed = false;
  /** What the last rewrite wrote. */
  private rewrittenBytes = 0;

  private constructor(
    private readonly file: string,
    bytes: number,
    private readonly compactAtBytes: number,
  ) {
    this.fd = openSync(file, 'a');
    this.bytes = bytes;
  }

  /**
   * Opens `<dir>/<name>.jsonl` and reads what it holds. A torn last line (the process died while writing
   * it) is dropped: nothing was answered for it.
   */
  static open<R>(
    dir: string,
    name: string,
    compactAtBytes = COMPACT_AT_BYTES,
  ): { journal: Journal<R>; records: R[] } {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.jsonl`);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const records: R[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        // Only the last line can be torn; a service never acknowledged it.
      }
    }
    return { journal: new Journal<R>(file, Buffer.byteLength(text), compactAtBytes), records };
  }

  /** Writes one record before the caller acknowledges the change it describes. */
  append(record: R): void {
    // After close the service is gone (as a killed process is): late work of its in-flight tasks is not kept.
    if (this.closed) return;
    const line = `${JSON.stringify(record)}\n`;
    this.bytes += writeSync(this.fd, line);
  }

  /**
   * True once the journal is big enough that the caller should `rewrite` it from its live state: past the
   * threshold and twice what the last rewrite left (a live state bigger than the threshold is not rewritten
   * at every line).
   */
  get wantsCompaction(): boolean {
    return this.bytes >= Math.max(this.compactAtBytes, 2 * this.rewrittenBytes);
  }

  /** Replaces the journal with these records (the folded state), atomically. */
  rewrite(records: Iterable<R>): void {
    if (this.closed) return;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    let bytes = 0;
    try {
      for (const record of records) bytes += writeSync(fd, `${JSON.stringify(record)}\n`);
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a');
    this.bytes = bytes;
    this.rewrittenBytes = bytes;
  }

  /** Closed: the service is stopping; it must not acknowledge anything more. */
  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
