import {
  closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, truncateSync, writeSync,
} from 'node:fs';
import { UserError } from '../errors.ts';
import { decodeRecord, encodeRecord, type CellRecord } from './record.ts';
import { describeSettingsDifference } from './settings.ts';

/** Append-only JSON-lines log of finished architectures, in plan order. The first line holds the
 * settings. A kill (even SIGKILL) can only cut the last line short; reopening drops that partial line,
 * so every complete line is kept and nothing is computed twice. */
export class Journal {
  private fd: number;
  private constructor(readonly path: string, readonly done: number) {
    this.fd = openSync(path, 'a');
  }

  /** Opens (or creates) the journal for `settingsKey`; returns it with the number of cells already done. */
  static open(path: string, settingsKey: string): Journal {
    if (!existsSync(path) || statSync(path).size === 0) {
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, 'w');
      writeSync(fd, settingsKey + '\n');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, path);
      return new Journal(path, 0);
    }
    const text = readFileSync(path, 'utf8');
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0) throw new UserError(`journal ${path} has no complete header line: delete it to start over`);
    if (lastNewline !== text.length - 1) truncateSync(path, Buffer.byteLength(text.slice(0, lastNewline + 1)));
    const lines = text.slice(0, lastNewline).split('\n');
    if (lines[0] !== settingsKey) {
      throw new UserError(`journal ${path} was made with other settings: ${describeSettingsDifference(settingsKey, lines[0])}; use the same settings, another --out, or delete it`);
    }
    return new Journal(path, lines.length - 1);
  }

  append(r: CellRecord): void {
    writeSync(this.fd, encodeRecord(r) + '\n');
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Records in order, read line by line without holding the file's records in memory at once. */
  static *records(path: string): Generator<CellRecord> {
    const fd = openSync(path, 'r');
    const chunk = Buffer.alloc(1 << 20);
    let rest = '';
    let first = true;
    try {
      for (let n; (n = readSync(fd, chunk)) > 0;) {
        const lines = (rest + chunk.toString('utf8', 0, n)).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          if (first) { first = false; continue; }
          if (line) yield decodeRecord(line);
        }
      }
    } finally {
      closeSync(fd);
    }
  }
}
