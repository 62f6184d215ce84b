// Runs every test/**/*.test.ts with uvu in one process (uvu's public `parse` and `run`, as its own CLI
// does) and closes with a plain "N passed, N failed" line: uvu's own summary is not one CI recognises,
// and uvu reports its counts only in that printed summary, so the summary is read back from stdout.
// Usage: npm test [-- <substring filter>]
import { relative, resolve } from 'node:path';
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

const root = resolve(import.meta.dirname);
const filter = process.argv[2] ?? '';
const { suites } = await parse(root, /\.test\.ts$/);
const selected = suites.filter((s) => relative(root, s.file).includes(filter));

let captured = '';
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
  captured += String(chunk);
  return (write as any)(chunk, ...rest);
}) as typeof process.stdout.write;
await run(selected);
process.stdout.write = write;

const plain = captured.replace(/\x1b\[[0-9;]*m/g, '');
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const failed = total - passed - skipped;
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
if (selected.length === 0 || total === 0) { console.error('no tests ran'); process.exitCode = 1; }
if (failed > 0) process.exitCode = 1;
