import * as tf from '@tensorflow/tfjs';

/** A conv or linear layer of a network: the unit the node-wise proxies are computed for. */
export interface NodeSpec {
  /** Slot index in the search space's fixed list of layer positions (stable across architectures). */
  slot: number;
  /** Stable name of the slot, e.g. "stage1.cell3.edge_1_2". */
  name: string;
  /** What sits in the slot for this architecture, e.g. "nor_conv_3x3", "linear". */
  type: string;
  kind: 'conv' | 'linear';
  /** Weight shape: conv [kh, kw, cin/groups, cout] (HWIO), depthwise [kh, kw, 1, channels] (so init's fan-in is PyTorch's), linear [in, out]. */
  shape: number[];
  /** Output shape per example: conv [h, w, cout], linear [out] or, on tokens, [tokens, out]. */
  outShape: number[];
  /** Multiply-accumulates per example. */
  macs: number;
}

/** A parameter that is not a node weight (linear bias, batch-norm affine, a ViT's class token and
 * position embedding); counted in `params`. `normal` ones are drawn by initParams into `biases`. */
export interface AuxParamSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones' | { uniform: number } | { normal: number };
}

export type Tensors = Record<string, tf.Tensor>;

/** How one forward pass is run; the proxies choose the mode, the network does not know about them. */
export interface ForwardMode {
  /** Weights to use, by node name (e.g. |θ| for synflow, θ+εg for grasp). */
  weights: Tensors;
  /** Biases by node name (linear layers), and `normal`-initialised aux parameters by their name. */
  biases: Tensors;
  /** false: batch-norm layers are the identity (synflow). */
  batchNorm: boolean;
  /** Zero tensors added to node outputs so that ∂L/∂(output) can be read back (fisher). */
  probes?: Tensors;
  /** Called with every node's output (pre-BN), for activation statistics. */
  onNodeOutput?: (node: NodeSpec, y: tf.Tensor) => void;
  /** Called with the input of the ReLU feeding a node (`node` = null for a ReLU feeding no node). */
  onReluInput?: (node: NodeSpec | null, x: tf.Tensor) => void;
  /** Called with each batch-norm layer's per-channel batch variance (zen). */
  onBatchNormVariance?: (variance: tf.Tensor) => void;
  /** Called with the features before global pooling (zen). */
  onPreGap?: (x: tf.Tensor) => void;
  /** Rescale the activation at graph cuts (points every path crosses) by 1/max, reporting ln(max):
   * keeps synflow's positive-weight network inside float32 range. */
  onCut?: (logScale: tf.Scalar) => void;
  /** ReLU gates (1 where the input is positive, else 0), one per ReLU call in call order. 'record' stores
   * them; 'replay' multiplies by them instead of rectifying, which makes the pass the network linearised
   * at the recorded activation pattern, as autograd's Hessian sees it (grasp's finite difference must
   * not see ReLUs flip: each flip adds a jump that does not vanish as the step shrinks). */
  reluGates?: { mode: 'record' | 'replay'; gates: tf.Tensor[] };
}

/** A network at initialisation: its nodes, its parameters and a forward function. */
export interface Network {
  nodes: NodeSpec[];
  aux: AuxParamSpec[];
  inputShape: [number, number, number];
  numClasses: number;
  forward(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor2D;
}

export function paramCount(net: Network): number {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return net.nodes.reduce((a, n) => a + size(n.shape), 0) + net.aux.reduce((a, p) => a + size(p.shape), 0);
}

export function macCount(net: Network): number {
  return net.nodes.reduce((a, n) => a + n.macs, 0);
}
