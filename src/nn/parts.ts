// Layer declarations the CNN spaces share: conv nodes, batch-norm parameters and the linear classifier.
import type { AuxParamSpec, NodeSpec } from './network.ts';

/** A conv node with weights `shape` = [kh, kw, cin/groups, cout] and an oh×ow output; MACs per example. */
export function convNode(slot: number, name: string, type: string, shape: number[], [oh, ow]: [number, number]): NodeSpec {
  return { slot, name, type, kind: 'conv', shape, outShape: [oh, ow, shape[3]], macs: shape.reduce((a, b) => a * b, 1) * oh * ow };
}

/** The affine of a batch norm over `channels` (γ = 1, β = 0 at init). */
export function bnParams(name: string, channels: number): AuxParamSpec[] {
  return [
    { name: `${name}.bn.gamma`, shape: [channels], init: 'ones' },
    { name: `${name}.bn.beta`, shape: [channels], init: 'zeros' },
  ];
}

/** The linear head on globally pooled `features`, named "classifier", and its bias (PyTorch's
 * U(±1/√features) init). */
export function linearClassifier(slot: number, features: number, numClasses: number): { node: NodeSpec; bias: AuxParamSpec } {
  return {
    node: {
      slot, name: 'classifier', type: 'linear', kind: 'linear', shape: [features, numClasses], outShape: [numClasses],
      macs: features * numClasses,
    },
    bias: { name: 'classifier.bias', shape: [numClasses], init: { uniform: 1 / Math.sqrt(features) } },
  };
}
