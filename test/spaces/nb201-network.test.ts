// The NB201 network: parameter counts equal the benchmark's, node slots are stable across
// architectures, the forward pass has the right shape, and the stride-2 reduction conv pads
// symmetrically (PyTorch semantics), not like tfjs's bottom/right-only 'same'.
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerWasmGradients } from '../../src/backend/wasm-gradients.ts';
import { disposeParams, initParams } from '../../src/nn/init.ts';
import { paramCount, type ForwardMode, type NodeSpec } from '../../src/nn/network.ts';
import { randomSource } from '../../src/random.ts';
import { nb201 } from '../../src/spaces/nb201/index.ts';
import { NB201_EDGES, NB201_OPS, formatNb201, parseNb201, type Nb201Cell } from '../../src/spaces/nb201/cell.ts';
import { buildNb201Network, NB201_SLOTS } from '../../src/spaces/nb201/network.ts';

const INDEX0 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';
const ALL_CONV3 = formatNb201(Array(6).fill('nor_conv_3x3') as unknown as Nb201Cell);

test.before(async () => {
  registerWasmGradients();
  assert.ok(await tf.setBackend('wasm'), 'wasm backend');
});

test('parameter counts equal NAS-Bench-201 (10-class head)', () => {
  // The benchmark's "params" for these cells: 0.129306 M (index 0) and 1.531546 M (all conv3x3).
  assert.is(paramCount(buildNb201Network(parseNb201(INDEX0))), 129306);
  assert.is(paramCount(buildNb201Network(parseNb201(ALL_CONV3))), 1531546);
  // Through the search-space interface as well (the harvester's path).
  assert.is(paramCount(nb201.build(INDEX0, 10)), 129306);
  // A 100-class head adds 64·90 weights and 90 biases.
  assert.is(paramCount(buildNb201Network(parseNb201(INDEX0), 100)), 129306 + 64 * 90 + 90);
});

test('98 slots with unique names; the all-conv3x3 network fills every slot, in slot order', () => {
  assert.is(NB201_SLOTS.length, 98);
  assert.is(nb201.slots.length, 98);
  assert.is(new Set(NB201_SLOTS.map((s) => s.name)).size, 98);
  NB201_SLOTS.forEach((s, i) => assert.is(s.slot, i));
  const net = buildNb201Network(parseNb201(ALL_CONV3));
  assert.equal(net.nodes.map((n) => n.slot), NB201_SLOTS.map((s) => s.slot));
  assert.equal(net.nodes.map((n) => n.name), NB201_SLOTS.map((s) => s.name));
  assert.is(net.nodes[0].name, 'stem');
  assert.is(net.nodes[97].name, 'classifier');
  assert.is(net.nodes[97].kind, 'linear');
});

/** A few fixed archs plus a seeded sample over the whole space. */
function sampleArchs(): string[] {
  const rng = randomSource(1234);
  const archs = [INDEX0, ALL_CONV3, formatNb201(Array(6).fill('none') as unknown as Nb201Cell)];
  for (let i = 0; i < 40; i++) {
    archs.push(formatNb201(Array.from({ length: 6 }, () => NB201_OPS[rng.int(NB201_OPS.length)]) as unknown as Nb201Cell));
  }
  return archs;
}

test('node slots are stable: same slot and name for the same edge in different archs; nodes in slot order', () => {
  const archs = sampleArchs();
  const nets = archs.map((a) => buildNb201Network(parseNb201(a)));
  let sharedChecked = 0;
  nets.forEach((net, k) => {
    const cell = parseNb201(archs[k]);
    const convEdges = cell.filter((op) => op === 'nor_conv_3x3' || op === 'nor_conv_1x1').length;
    // stem + 2 reductions × (conv_a, conv_b, shortcut) + 15 cells × conv edges + classifier.
    assert.is(net.nodes.length, 1 + 2 * 3 + 15 * convEdges + 1, archs[k]);
    for (let i = 1; i < net.nodes.length; i++) assert.ok(net.nodes[i].slot > net.nodes[i - 1].slot, `${archs[k]}: slot order`);
    for (const n of net.nodes) {
      assert.is(n.name, NB201_SLOTS[n.slot].name, `${archs[k]}: node ${n.name} sits in its slot`);
      const m = /^stage(\d)\.cell(\d)\.edge_(\d)_(\d)$/.exec(n.name);
      if (m) {
        const edge = NB201_EDGES.findIndex(([f, t]) => f === Number(m[3]) && t === Number(m[4]));
        assert.is(n.type, cell[edge], `${n.name} holds the arch's op`);
        assert.is(NB201_SLOTS[n.slot].edge, edge);
      }
    }
  });
  // Pairs of archs: every edge with the same conv op in both gives the same slot, name, type and shape
  // in all 15 cells; the fixed layers (stem, reductions, classifier) are identical too.
  for (let a = 0; a < nets.length; a++) {
    for (let b = a + 1; b < nets.length; b++) {
      const ca = parseNb201(archs[a]), cb = parseNb201(archs[b]);
      const byName = (nodes: NodeSpec[]) => new Map(nodes.map((n) => [n.name, n]));
      const na = byName(nets[a].nodes), nbm = byName(nets[b].nodes);
      for (const n of nets[a].nodes) {
        const m = /edge_(\d)_(\d)$/.exec(n.name);
        const edge = m ? NB201_EDGES.findIndex(([f, t]) => f === Number(m[1]) && t === Number(m[2])) : -1;
        if (edge >= 0 && ca[edge] !== cb[edge]) {
          if (nbm.has(n.name)) assert.is(nbm.get(n.name)!.slot, n.slot, 'slot depends on position only');
          continue;
        }
        const other = nbm.get(n.name);
        assert.ok(other, `${n.name} present in both ${archs[a]} and ${archs[b]}`);
        assert.equal(
          { slot: other!.slot, type: other!.type, shape: other!.shape, outShape: other!.outShape, macs: other!.macs },
          { slot: n.slot, type: n.type, shape: n.shape, outShape: n.outShape, macs: n.macs },
        );
        sharedChecked++;
      }
      assert.ok([...na.keys()].filter((k) => nbm.has(k)).length >= 8, 'stem, reductions and classifier shared');
    }
  }
  assert.ok(sharedChecked > 1000, `compared ${sharedChecked} shared nodes`);
});

test('forward gives [B, 10] finite logits; the stride-2 reduction conv pads symmetrically', () => {
  const net = buildNb201Network(parseNb201(INDEX0));
  const init = initParams(net, randomSource(7));
  const before = tf.memory().numTensors;
  const rng = randomSource(8);
  const B = 2;
  const x = tf.tensor4d(Float32Array.from({ length: B * 32 * 32 * 3 }, () => rng.normal()), [B, 32, 32, 3]);
  const convA = net.nodes.find((n) => n.name === 'reduction1.conv_a')!;
  assert.equal(convA.shape, [3, 3, 16, 32]);
  assert.equal(convA.outShape, [16, 16, 32]);
  const seen: { input?: tf.Tensor; output?: tf.Tensor } = {};
  const mode: ForwardMode = {
    weights: init.weights, biases: init.biases, batchNorm: true,
    onReluInput: (node, t) => { if (node === convA) seen.input = tf.keep(tf.clone(t)); },
    onNodeOutput: (node, t) => { if (node === convA) seen.output = tf.keep(tf.clone(t)); },
  };
  const logits = tf.tidy(() => net.forward(x, mode));
  assert.equal(logits.shape, [B, 10]);
  const lv = logits.dataSync();
  assert.ok(lv.every(Number.isFinite), 'finite logits');
  assert.ok(lv.some((v) => v !== 0), 'non-zero logits');
  const { input, output } = seen;
  assert.ok(input && output, 'saw the reduction conv and its input');
  assert.equal(output!.shape, [B, 16, 16, 32]);

  const w = init.weights[convA.name] as tf.Tensor4D;
  const [sym, same] = tf.tidy(() => {
    const relu = tf.relu(input! as tf.Tensor4D);
    const padded = tf.pad(relu, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    return [tf.conv2d(padded, w, 2, 'valid'), tf.conv2d(relu, w, 2, 'same')];
  });
  const got = output!.dataSync(), want = sym.dataSync(), tfSame = same.dataSync();
  let maxDiff = 0, scale = 0, sameDiff = 0;
  for (let i = 0; i < got.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    sameDiff = Math.max(sameDiff, Math.abs(got[i] - tfSame[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  assert.ok(maxDiff <= 1e-5 * scale, `symmetric padding: max |diff| ${maxDiff} (scale ${scale})`);
  // The check can tell the paddings apart: tfjs's 'same' pads bottom/right only at stride 2.
  assert.ok(sameDiff > 1e-2 * scale, `'same' padding would differ (${sameDiff})`);

  tf.dispose([x, logits, input!, output!, sym, same]);
  assert.is(tf.memory().numTensors, before, 'no tensors leaked');
  disposeParams(init);
});

test.run();
