import * as assert from 'uvu/assert';
import { UserError } from '../src/errors.ts';

/** Asserts that `fn` throws a one-line UserError whose message mentions every fragment. */
export function throwsUserError(fn: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.instance(error, UserError, `expected a UserError (fragments ${fragments.join(', ')})`);
  const msg = (error as Error).message;
  assert.not.match(msg, '\n', 'message is one line');
  for (const f of fragments) assert.ok(msg.includes(f), `message ${JSON.stringify(msg)} should mention ${JSON.stringify(f)}`);
}
