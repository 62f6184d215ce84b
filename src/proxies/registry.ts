import { UserError } from '../errors.ts';
import { fisher } from './fisher.ts';
import { gradNorm } from './grad-norm.ts';
import { grasp } from './grasp.ts';
import { l2Norm } from './l2-norm.ts';
import { flops, jacov, nwotNetwork, params, zen } from './network-proxies.ts';
import { nwotNode } from './nwot.ts';
import { plain } from './plain.ts';
import type { NetworkProxy, NodeProxy } from './proxy.ts';
import { snip } from './snip.ts';
import { synflow } from './synflow.ts';
import { zico } from './zico.ts';

/** Node-wise proxies by name; a new proxy is one module plus one entry here. */
export const NODE_PROXIES: ReadonlyMap<string, NodeProxy> = new Map(
  [gradNorm, snip, synflow, fisher, grasp, plain, l2Norm, nwotNode, zico].map((p) => [p.name, p]),
);
/** Network-level proxies by name (a separate table: one row per architecture). */
export const NETWORK_PROXIES: ReadonlyMap<string, NetworkProxy> = new Map(
  [params, flops, jacov, nwotNetwork, zen].map((p) => [p.name, p]),
);

export const DEFAULT_NODE_PROXIES = ['grad_norm', 'snip', 'synflow', 'fisher', 'plain', 'l2_norm'];
export const DEFAULT_NETWORK_PROXIES = ['params', 'flops'];

/** Splits a comma list of proxy names into node-wise and network-level ones; unknown names are an error.
 * A name in both registries (nwot) is taken at both levels. */
export function resolveProxies(names: string[]): { node: NodeProxy[]; network: NetworkProxy[] } {
  const node: NodeProxy[] = [];
  const network: NetworkProxy[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (!name) continue;
    const n = NODE_PROXIES.get(name);
    const w = NETWORK_PROXIES.get(name);
    if (!n && !w) {
      const known = [...new Set([...NODE_PROXIES.keys(), ...NETWORK_PROXIES.keys()])].join(', ');
      throw new UserError(`unknown proxy "${name}" (known: ${known})`);
    }
    if (n && !node.includes(n)) node.push(n);
    if (w && !network.includes(w)) network.push(w);
  }
  return { node, network };
}
