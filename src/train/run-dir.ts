// Run directories: runs/<name>/, never overwritten (an existing name gets -2, -3, …).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Creates and returns a fresh directory `<root>/<name>` or `<root>/<name>-<k>` (atomic: mkdir fails if it exists). */
export function createRunDir(root: string, name: string): string {
  mkdirSync(root, { recursive: true });
  for (let k = 1; ; k++) {
    const dir = join(root, k === 1 ? name : `${name}-${k}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
