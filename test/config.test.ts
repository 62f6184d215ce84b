import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, deepMerge, loadConfig } from '../src/config.ts';
import { UserError } from '../src/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'parzc-config-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let fileCount = 0;
function file(text: string): string {
  const p = join(tmp, `c${fileCount++}.json`);
  writeFileSync(p, text);
  return p;
}

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UserError);
    const message = (err as Error).message;
    assert.not.match(message, /\n/, 'message must be one line');
    return message;
  }
  assert.unreachable('expected a UserError');
  return '';
}

test('loadConfig reads a JSON object (BOM tolerated)', () => {
  const cfg = { split: { train: 100, test: 'rest' }, model: { variant: 'mlp', layers: [64, 32] } };
  assert.equal(loadConfig(file(JSON.stringify(cfg, null, 2))), cfg);
  assert.equal(loadConfig(file('\uFEFF{"a": 1}')), { a: 1 });
});

test('loadConfig follows "extends" chains: nested keys merge, arrays and scalars replace, cycles are refused', () => {
  const named = (name: string, cfg: object) => {
    writeFileSync(join(tmp, name), JSON.stringify(cfg));
    return join(tmp, name);
  };
  named('base.json', { space: 'nb201', model: { dim: 32, depth: 2 }, harvest: { path: 'a.arrow', extra: ['x.arrow'] } });
  named('mid.json', { extends: 'base.json', model: { dim: 64 }, harvest: { extra: [] } });
  const leaf = named('leaf.json', { extends: './mid.json', dataset: 'cifar100' });
  assert.equal(loadConfig(leaf), { space: 'nb201', model: { dim: 64, depth: 2 }, harvest: { path: 'a.arrow', extra: [] }, dataset: 'cifar100' });
  named('cycle-a.json', { extends: 'cycle-b.json' });
  const cycle = named('cycle-b.json', { extends: 'cycle-a.json' });
  assert.match(userError(() => loadConfig(cycle)), /"extends" cycle: .*cycle-b\.json → .*cycle-a\.json → .*cycle-b\.json/);
  assert.match(userError(() => loadConfig(named('self.json', { extends: 'self.json' }))), /"extends" cycle/);
  assert.match(userError(() => loadConfig(file('{"extends": 3}'))), /"extends" must be a config file path, got 3/);
  assert.match(userError(() => loadConfig(file('{"extends": "no-such.json"}'))), /cannot read config file .*no-such\.json/);
});

test('loadConfig syntax errors carry file, line and column', () => {
  const cases: [string, number, number, RegExp][] = [
    ['{\n  "a": 1,\n  "b": }\n', 3, 8, /unexpected "}"/],
    ['{\n  "a": 1,\n}', 3, 1, /trailing comma/],
    ['{"a": [1, 2,]}', 1, 13, /trailing comma/],
    ['{"a" 1}', 1, 6, /expected ':'/],
    ['{\n  "a": "unterminated\n}', 2, 21, /unescaped control character/],
    ['{"a": "x', 1, 7, /unterminated string/],
    ['{"a": 1}}', 1, 9, /after the JSON value/],
    ['{"a": tru}', 1, 7, /unexpected "t"/],
    ['{"a": 01}', 1, 8, /expected ',' or '}'/],
    ['{"a": "\\q"}', 1, 8, /invalid escape/],
    ["{'a': 1}", 1, 2, /double-quoted property name/],
    ['{"a": 1', 1, 8, /end of input/],
    ['', 1, 1, /end of input/],
  ];
  for (const [text, line, column, reason] of cases) {
    const p = file(text);
    const message = userError(() => loadConfig(p));
    assert.ok(message.startsWith(`${p}:${line}:${column}: invalid JSON: `), `${JSON.stringify(text)} → ${message}`);
    assert.match(message, reason);
  }
});

test('loadConfig flags exactly what JSON.parse rejects (fuzzed)', () => {
  const base = '{"a": [1, -2.5e3, true, null], "b": {"c": "x\\n\\u00e9"}, "d": false}';
  const alphabet = '{}[],:"\\ \n0123456789-+.eEtrufalsn';
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let trial = 0; trial < 400; trial++) {
    let text = base;
    for (let m = 0; m <= rand(3); m++) {
      const at = rand(text.length + 1);
      const ch = alphabet[rand(alphabet.length)];
      const op = rand(3);
      text = op === 0 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + ch + text.slice(at + (op === 1 ? 1 : 0));
    }
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    const p = file(text);
    if (valid) continue; // may still be a non-object; only syntax matters here
    assert.match(userError(() => loadConfig(p)), /^.+:\d+:\d+: invalid JSON: /, JSON.stringify(text));
  }
});

test('loadConfig rejects missing files and non-object top levels', () => {
  assert.match(userError(() => loadConfig(join(tmp, 'missing.json'))), /cannot read config file .*missing\.json/);
  assert.match(userError(() => loadConfig(file('[1, 2]'))), /must be a JSON object, got an array/);
  assert.match(userError(() => loadConfig(file('null'))), /got null/);
});

test('applyOverrides sets values by dotted path', () => {
  const cfg = { split: { train: 100, test: 'rest' }, model: { variant: 'mlp', layers: [64, 32] } };
  const out = applyOverrides(cfg, [
    'split.train=156',
    'model.variant="official"',
    'model.layers.1=16',
    'model.layers.2=8',
    'model.dropout=0.1',
    'seed=7',
    'name=run 1',
    'note=a=b',
    'tags=["x","y"]',
    'flags.debug=true',
    'empty=',
    'model.init=null',
  ]);
  assert.equal(out, {
    split: { train: 156, test: 'rest' },
    model: { variant: 'official', layers: [64, 16, 8], dropout: 0.1, init: null },
    seed: 7,
    name: 'run 1',
    note: 'a=b',
    tags: ['x', 'y'],
    flags: { debug: true },
    empty: '',
  });
  // The input is not mutated.
  assert.equal(cfg, { split: { train: 100, test: 'rest' }, model: { variant: 'mlp', layers: [64, 32] } });
  // Unquoted non-JSON stays a string; quoted JSON strings are unquoted; later overrides win.
  assert.equal(applyOverrides({}, ['a=official', 'b="42"', 'a=1']), { a: 1, b: '42' });
});

test('applyOverrides errors', () => {
  const cfg = { split: { train: 100 }, list: [1, 2], none: null };
  assert.match(userError(() => applyOverrides(cfg, ['split.train'])), /expected dotted\.path=value/);
  assert.match(userError(() => applyOverrides(cfg, ['=1'])), /expected dotted\.path=value/);
  assert.match(userError(() => applyOverrides(cfg, ['split..x=1'])), /expected dotted\.path=value/);
  assert.match(userError(() => applyOverrides(cfg, ['split.train.x=1'])), /split\.train is 100, not an object/);
  assert.match(userError(() => applyOverrides(cfg, ['none.x=1'])), /none is null/);
  assert.match(userError(() => applyOverrides(cfg, ['list.x=1'])), /array of length 2/);
  assert.match(userError(() => applyOverrides(cfg, ['list.5=1'])), /array of length 2/);
});

test('overrides and merges cannot touch prototypes', () => {
  const out = applyOverrides({}, ['__proto__.polluted=1', 'constructor.x=2']) as Record<string, any>;
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(out.__proto__, { polluted: 1 });
  assert.equal(out.constructor, { x: 2 });
  const merged = deepMerge({ a: 1 }, JSON.parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(merged), Object.prototype);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('deepMerge', () => {
  const defaults = { split: { train: 100, test: 'rest' }, model: { layers: [64, 32], act: 'relu' }, lr: 0.01 };
  const merged = deepMerge(defaults, {
    split: { train: 156 },
    model: { layers: [8] },
    lr: undefined,
    extra: { k: 1 },
    nullable: null,
  });
  assert.equal(merged, {
    split: { train: 156, test: 'rest' },
    model: { layers: [8], act: 'relu' },
    lr: 0.01,
    extra: { k: 1 },
    nullable: null,
  });
  // Neither input is mutated or aliased.
  assert.equal(defaults.split, { train: 100, test: 'rest' });
  const cfg = { model: { layers: [1] } };
  const m2 = deepMerge(defaults, cfg);
  m2.model.layers.push(2);
  assert.equal(cfg.model.layers, [1]);
  assert.equal(defaults.model.layers, [64, 32]);
  // Objects replace scalars and vice versa.
  assert.equal(deepMerge({ a: 1, b: { c: 1 } } as object, { a: { x: 1 }, b: 2 }), { a: { x: 1 }, b: 2 });
});

test.run();
