import type { PassName } from '../proxies/proxy.ts';
import { activationsPass } from './activations.ts';
import { gaussianPass } from './gaussian.ts';
import { halvesPass } from './halves.ts';
import { hessianPass } from './hessian.ts';
import { jacobianPass } from './jacobian.ts';
import { lossPass } from './loss.ts';
import type { Pass } from './pass.ts';
import { synflowPass } from './synflow.ts';
import { weightsPass } from './weights.ts';

/** Every pass by name, in the order they run: a pass runs after those it requires, and the Zen pass,
 * which draws from the caller's random source, runs last so that its draws do not depend on the others. */
export const PASSES: ReadonlyMap<PassName, Pass> = new Map(
  [weightsPass, activationsPass, lossPass, halvesPass, hessianPass, synflowPass, jacobianPass, gaussianPass].map((p) => [p.name, p]),
);

/** The passes to run for these pass names: each with the passes it requires, once, in run order, and
 * without a pass whose `servedBy` pass is planned too. */
export function planPasses(names: Iterable<PassName>): Pass[] {
  const planned = new Set<PassName>();
  const add = (name: PassName) => {
    if (planned.has(name)) return;
    const pass = PASSES.get(name);
    if (!pass) throw new Error(`no pass registered as "${name}"`);
    planned.add(name);
    pass.requires?.forEach(add);
  };
  for (const name of names) add(name);
  return [...PASSES.values()].filter((p) => planned.has(p.name) && !(p.servedBy && planned.has(p.servedBy)));
}
