// Stored forms of node proxies and the aggregation of a cell's stored node values, against values
// computed by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aggregateNodeValues, decodeStored, storedForm, sumDecoded } from '../../src/proxies/stored-form.ts';

const close = (got: number | null, want: number, what: string) =>
  assert.ok(got !== null && Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

test('synflow is stored as log1p; other proxies and unknown columns as linear', () => {
  assert.is(storedForm('synflow'), 'log1p');
  assert.is(storedForm('snip'), 'linear');
  assert.is(storedForm('no_such_column'), 'linear');
});

test('decodeStored returns the linear value', () => {
  close(decodeStored('synflow', Math.log(4)), 3, 'ln 4 → 3');
  assert.is(decodeStored('synflow', 0), 0);
  assert.is(decodeStored('snip', -2.5), -2.5);
  assert.is(decodeStored('synflow', 710), Infinity);
});

test('linear columns: the sum over the nodes with a value; null without one', () => {
  assert.is(aggregateNodeValues('snip', [1.5, null, -0.5, Number.NaN, 2]), 3);
  assert.is(aggregateNodeValues('no_such_column', [0.25, 0.5]), 0.75);
  assert.is(aggregateNodeValues('snip', [null, Number.NaN]), null);
  assert.is(aggregateNodeValues('synflow', []), null);
});

test('log1p: ln(1 + Σ (e^v − 1)), in range and where the linear sum overflows', () => {
  // Scores 1 and 2 stored as ln 2 and ln 3: the cell's score 3 is stored as ln 4.
  close(aggregateNodeValues('synflow', [Math.log(2), null, Math.log(3)]), Math.log(4), 'ln 2, ln 3');
  close(aggregateNodeValues('synflow', [0, 5]), 5, 'a zero score adds nothing');
  // e^709 − 1 twice: 1.64e308, still finite; ln(2e^709 − 1) = 709 + ln 2 to float64 precision.
  close(aggregateNodeValues('synflow', [709, 709]), 709 + Math.LN2, '709, 709');
  // Each term finite, their sum not: 1 + 2(e^709.5 − 1) = e^709.5 · (2 − e^−709.5).
  close(aggregateNodeValues('synflow', [709.5, 709.5]), 709.5 + Math.LN2, '709.5, 709.5');
  close(aggregateNodeValues('synflow', [1000, 1000, 0]), 1000 + Math.LN2, '1000, 1000, 0');
  // ln(e^1000 + e^10 − 1) = 1000 + ln(1 + (e^10 − 1)·e^−1000) = 1000.
  close(aggregateNodeValues('synflow', [10, 1000]), 1000, '10, 1000');
  close(aggregateNodeValues('synflow', [1000 + Math.log(3), 1000]), 1000 + Math.log(4), 'e^1000·3 + e^1000');
});

test('sumDecoded: the decoded values added in order, as a float64 sum', () => {
  const stored = [Math.log(2), null, Math.log(3), 7];
  assert.is(sumDecoded('synflow', stored), 0 + Math.expm1(Math.log(2)) + Math.expm1(Math.log(3)) + Math.expm1(7));
  close(sumDecoded('synflow', stored), 3 + Math.expm1(7), 'e^7 + 2');
  assert.is(sumDecoded('plain', [0.1, 0.2, null, 0.3]), 0.1 + 0.2 + 0.3);
  assert.is(sumDecoded('plain', [null]), null);
  assert.is(sumDecoded('synflow', [800]), Infinity);
});

test.run();
