import type { Pass } from './pass.ts';

/** The initial weights alone: every node's totals hold them from the start, so there is nothing to run. */
export const weightsPass: Pass = {
  name: 'weights',
  run() {},
};
