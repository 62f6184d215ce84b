// Runs every test/**/*.test.ts with uvu in one process and closes with a plain
// "N passed, N failed" line (uvu's own summary is not one CI recognises).
// Usage: npm test [-- <substring filter>]
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function findTests(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return findTests(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const root = resolve(import.meta.dirname);
const filter = process.argv[2] ?? '';
const files = findTests(root).filter((f) => relative(root, f).includes(filter));

// uvu prints its summary through process.stdout.write; capture the counts from it.
let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
  captured += String(chunk);
  return (write as any)(chunk, ...rest);
}) as typeof process.stdout.write;

(globalThis as any).UVU_DEFER = 1;
const uvu = await import('uvu');
(globalThis as any).UVU_QUEUE ??= [];
for (const [i, file] of files.entries()) {
  (globalThis as any).UVU_INDEX = i;
  (globalThis as any).UVU_QUEUE.push([relative(root, file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);
process.stdout.write = write;

const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const failed = total - passed - skipped;
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
if (files.length === 0 || total === 0) { console.error('no tests ran'); process.exitCode = 1; }
if (failed > 0) process.exitCode = 1;
