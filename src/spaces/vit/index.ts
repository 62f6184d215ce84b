// The ViT-Bench-101 spaces: AutoFormer-Tiny and PiT subnets.
export { autoformer } from './autoformer.ts';
export { pit } from './pit.ts';
