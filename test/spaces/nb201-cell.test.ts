import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveDataFile } from '../../src/data/paths.ts';
import {
  canonicalNb201,
  canonicalRepresentatives,
  enumerateNb201,
  formatNb201,
  NB201_OPS,
  NB201_SIZE,
  nb201ArchToIndex,
  nb201FromNaslibTuple,
  nb201IndexToArch,
  nb201OpEncoding,
  nb201ToNaslibTuple,
  parseNb201,
} from '../../src/spaces/nb201/cell.ts';
import { throwsUserError } from '../user-error.ts';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';

test('parse/format round-trip and edge order', () => {
  const cell = parseNb201(BEST);
  assert.equal([...cell], ['nor_conv_3x3', 'nor_conv_3x3', 'nor_conv_3x3', 'skip_connect', 'nor_conv_3x3', 'nor_conv_1x1']);
  assert.is(formatNb201(cell), BEST);
  for (let i = 0; i < NB201_SIZE; i += 97) {
    const s = nb201IndexToArch(i);
    assert.is(formatNb201(parseNb201(s)), s);
  }
});

test('bad arch strings throw a UserError naming the token', () => {
  throwsUserError(() => parseNb201('|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|'), '"conv_5x5"', 'nor_conv_3x3');
  throwsUserError(() => parseNb201('|none~0|+|none~0|none~0|+|none~0|none~1|none~2|'), '"none~0"', 'must be ~1');
  throwsUserError(() => parseNb201('|none~0|+|none~0|none~1|'), '2 node group(s)', 'expected 3');
  throwsUserError(() => parseNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|'), '4 node group(s)');
  throwsUserError(() => parseNb201('|none~0|+|none~0|+|none~0|none~1|none~2|'), 'node 2', '1 edge(s), expected 2', '~0, ~1');
  throwsUserError(() => parseNb201('none~0|+|none~0|none~1|+|none~0|none~1|none~2|'), '"none~0|"', 'start and end with "|"');
  throwsUserError(() => parseNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2'), '"|none~0|none~1|none~2"', '"|"');
  throwsUserError(() => parseNb201('|none|+|none~0|none~1|+|none~0|none~1|none~2|'), '"none"', 'op~input');
  throwsUserError(() => parseNb201(''), 'expected 3');
});

test('official index order equals the benchmark index file', () => {
  const rows = JSON.parse(readFileSync(resolveDataFile('nb201/nb201_index_arch_12epoch_minibench.json'), 'utf8')) as {
    index: number;
    arch_str: string;
  }[];
  assert.is(rows.length, NB201_SIZE);
  const all = enumerateNb201();
  assert.is(all.length, NB201_SIZE);
  assert.is(new Set(all).size, NB201_SIZE);
  for (const { index, arch_str } of rows) {
    assert.is(all[index], arch_str);
    assert.is(nb201IndexToArch(index), arch_str);
    assert.is(nb201ArchToIndex(arch_str), index);
  }
  assert.is(nb201ArchToIndex(BEST), 6111);
  throwsUserError(() => nb201IndexToArch(NB201_SIZE), '15625', '0..15624');
  throwsUserError(() => nb201IndexToArch(1.5), '1.5');
  throwsUserError(() => nb201ArchToIndex('|foo~0|+|none~0|none~1|+|none~0|none~1|none~2|'), '"foo"');
});

test('6,466 isomorphism classes and lowest-index representatives', () => {
  const all = enumerateNb201();
  assert.is(new Set(all.map(canonicalNb201)).size, 6466);
  const { representative, repOf } = canonicalRepresentatives();
  assert.is(representative.length, 6466);
  assert.is(repOf.length, NB201_SIZE);
  const keyOfRep = new Map(representative.map((a) => [canonicalNb201(a), nb201ArchToIndex(a)]));
  for (let i = 0; i < NB201_SIZE; i++) {
    assert.ok(repOf[i] <= i);
    assert.is(repOf[repOf[i]], repOf[i]);
    assert.is(keyOfRep.get(canonicalNb201(all[i])), repOf[i]);
  }
});

test('canonical form: none, skip and dead nodes', () => {
  const same = (a: string, b: string) => assert.is(canonicalNb201(a), canonicalNb201(b), `${a} ~ ${b}`);
  // Node 1 feeds nothing that reaches the output, so its op does not matter.
  same('|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|', '|nor_conv_1x1~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|');
  // Sums commute: conv on edge 0→3 plus skip from node 1 equals the mirrored wiring.
  same('|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|nor_conv_1x1~1|none~2|', '|skip_connect~0|+|none~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|');
  assert.is.not(
    canonicalNb201('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|'),
    canonicalNb201('|nor_conv_1x1~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|'),
  );
  assert.is(canonicalNb201('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'), '#+#+#');
  assert.is(canonicalNb201(BEST), '(((0)@nor_conv_3x3)@nor_conv_3x3+(0)@nor_conv_3x3)@nor_conv_1x1+((0)@nor_conv_3x3)@nor_conv_3x3+0');
});

test('one-hot op encoding', () => {
  const enc = nb201OpEncoding(parseNb201(BEST));
  assert.is(enc.length, 30);
  assert.is(enc.reduce((a, b) => a + b, 0), 6);
  const ops = Array.from({ length: 6 }, (_, e) => NB201_OPS[enc.subarray(e * 5, e * 5 + 5).indexOf(1)]);
  assert.equal(ops, [...parseNb201(BEST)]);
});

test('NASLib tuple conversion', () => {
  // (a,b,c,d,e,f) is |a~0|+|b~0|d~1|+|c~0|e~1|f~2| with ids 0 skip, 1 none, 2 conv3, 3 conv1, 4 pool.
  assert.is(nb201FromNaslibTuple('(4, 3, 3, 3, 2, 3)'), '|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_1x1~2|');
  assert.is(nb201FromNaslibTuple('(0, 1, 2, 3, 4, 0)'), '|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|');
  assert.is(nb201ToNaslibTuple(BEST), '(2, 2, 0, 2, 2, 3)');
  for (let i = 0; i < NB201_SIZE; i += 13) {
    const arch = nb201IndexToArch(i);
    assert.is(nb201FromNaslibTuple(nb201ToNaslibTuple(arch)), arch);
  }
  throwsUserError(() => nb201FromNaslibTuple('(4, 3, 3, 3, 2)'), '5 op id(s)', 'expected 6');
  throwsUserError(() => nb201FromNaslibTuple('(4, 3, 3, 3, 2, 7)'), '"7"', 'position 6');
  throwsUserError(() => nb201FromNaslibTuple('4, 3, 3, 3, 2, 3'), 'parentheses');
});

test.run();
