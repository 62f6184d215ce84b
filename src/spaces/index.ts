import { UserError } from '../errors.ts';
import { darts } from './darts/index.ts';
import { nb101 } from './nb101/index.ts';
import { nb201 } from './nb201/index.ts';
import { ndsSpace } from './nds/index.ts';
import type { SearchSpace } from './space.ts';
import { autoformer, pit } from './vit/index.ts';

const SPACES: ReadonlyMap<string, SearchSpace> = new Map([nb201, nb101, autoformer, pit, darts].map((s) => [s.name, s]));

export function getSpace(name: string): SearchSpace {
  if (name.startsWith('nds:')) return ndsSpace(name.slice(4));
  const s = SPACES.get(name);
  if (!s) throw new UserError(`unknown search space "${name}" (known: ${[...SPACES.keys()].join(', ')}, nds:<sweep>)`);
  return s;
}
