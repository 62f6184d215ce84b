import { UserError } from '../errors.ts';
import { nb101 } from './nb101.ts';
import { nb201 } from './nb201.ts';
import type { SearchSpace } from './space.ts';

const SPACES: ReadonlyMap<string, SearchSpace> = new Map([nb201, nb101].map((s) => [s.name, s]));

export function getSpace(name: string): SearchSpace {
  const s = SPACES.get(name);
  if (!s) throw new UserError(`unknown search space "${name}" (known: ${[...SPACES.keys()].join(', ')})`);
  return s;
}
