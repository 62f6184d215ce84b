import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { edgeCellGraph, inputOutputPaths } from '../../src/graph/cell-graph.ts';
import { cellGraphFeatures, graphFeatures } from '../../src/graph/graph-features.ts';
import { graphInputs, graphVocabulary, selectGraphInputs } from '../../src/graph/graph-inputs.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { NB201_EDGES } from '../../src/spaces/nb201/cell.ts';

// Edges 0→1 conv3x3, 0→2 none, 1→2 skip, 0→3 avg_pool, 1→3 none, 2→3 conv1x1.
const ARCH = '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|';
const nb201 = getSpace('nb201');

test('an edge-op cell becomes a node-op DAG: each edge a node, wired through the cell nodes', () => {
  const g = edgeCellGraph(NB201_EDGES, ['a', 'b', 'c', 'd', 'e', 'f'], 4);
  // a = 0→1, b = 0→2, c = 1→2, d = 0→3, e = 1→3, f = 2→3.
  const name = (v: number) => g.ops[v];
  const edges = g.next.flatMap((succ, v) => succ.map((w) => `${name(v)}>${name(w)}`)).sort();
  assert.equal(edges, ['a>c', 'a>e', 'b>f', 'c>f', 'd>output', 'e>output', 'f>output', 'input>a', 'input>b', 'input>d'].sort());
  assert.equal(inputOutputPaths(g).map((p) => p.slice(1, -1).map(name).join('')).sort(), ['acf', 'ae', 'bf', 'd']);
});

test('GRAF-style features of one NB201 cell, by hand', () => {
  const gf = graphFeatures(nb201.cellGraph!.ops);
  const f = gf.of(nb201.cellGraph!.of(ARCH));
  const at = (name: string) => f[gf.names.indexOf(name)];
  assert.is(gf.names.length, 31 * 5 + 3);
  assert.is(at('count{none}'), 2);
  // Paths (interior ops): [avg], [conv3, none], [none, conv1], [conv3, skip, conv1].
  assert.is(at('paths'), 4);
  assert.is(at('longest_path'), 3);
  assert.is(at('mean_path'), 2);
  assert.is(at('min_path{avg_pool_3x3}'), 1);
  assert.is(at('min_path{nor_conv_3x3}'), 7, 'no path through conv3x3 alone: the no-path value');
  assert.is(at('min_path{skip_connect,nor_conv_1x1,nor_conv_3x3}'), 3);
  // Best path for {none}: 2·k − length is 0 for [conv3, none] and [none, conv1] (k = 1), −1 for [avg].
  assert.is(at('max_on_path{none}'), 1);
  assert.is(at('max_on_path{skip_connect,nor_conv_1x1,nor_conv_3x3}'), 3);
  assert.is(at('max_on_path{skip_connect}'), 0, 'every path with skip has more other ops: the shortest path wins');
  assert.is(at('input_degree{none,nor_conv_3x3}'), 2);
  assert.is(at('output_degree{none,nor_conv_1x1}'), 2);
  assert.is(cellGraphFeatures(nb201, ARCH), cellGraphFeatures(nb201, ARCH), 'memoised per space');
});

test('NB201 valid cells: 9,445, the set NAS-Bench-Suite-Zero and GRAF report on', () => {
  const valid = nb201.subsets!.valid;
  assert.is(nb201.enumerate().filter(valid).length, 9445);
  assert.ok(valid('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'), 'the all-none cell');
  assert.ok(valid(ARCH));
  assert.not.ok(valid('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|'), 'conv 0→1 feeds nothing');
  assert.not.ok(valid('|none~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|none~2|'), 'conv 0→2 feeds nothing');
});

test('NB101 cells have a graph too; a space without one is a one-line error', () => {
  const nb101 = getSpace('nb101');
  const arch = 'adj=0100110|0010000|0001001|0000010|0000010|0000001|0000000;ops=input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output';
  const f = cellGraphFeatures(nb101, arch);
  assert.is(f.length, 7 * 5 + 3);
  assert.throws(() => cellGraphFeatures(getSpace('autoformer'), 'x'), /has no cell graph/);
});

test('graph inputs: op one-hot, depth from input and to output, adjacency, padding mask', () => {
  const vocab = graphVocabulary(nb201);
  const g = graphInputs(nb201, [ARCH, ARCH], 9, vocab);
  const W = vocab.length + 2;
  assert.is(g.width, W);
  const graph = nb201.cellGraph!.of(ARCH);
  // Node 1 (conv3x3 on 0→1): depth 1 from the input; longest way to the output conv3 → skip → conv1 → out = 3.
  const node = (c: number, v: number) => Array.from(g.features.subarray((c * 9 + v) * W, (c * 9 + v + 1) * W));
  assert.is(graph.ops[1], 'nor_conv_3x3');
  assert.is(node(0, 1)[vocab.indexOf('nor_conv_3x3')], 1);
  assert.equal(node(0, 1).slice(-2), [1 / 8, 3 / 8]);
  assert.equal(node(0, 0).slice(-2), [0, 4 / 8], 'the input: the longest path has 4 edges');
  assert.equal(Array.from(g.mask.subarray(0, 9)), [1, 1, 1, 1, 1, 1, 1, 1, 0], 'eight nodes, one padding');
  assert.is(g.adjacency[0 * 9 + 1], 1, 'input → conv3x3');
  assert.is(g.adjacency[1 * 9 + 0], 0);
  const one = selectGraphInputs(g, [1]);
  assert.equal(Array.from(one.features), Array.from(g.features.subarray(9 * W)));
});

test.run();
