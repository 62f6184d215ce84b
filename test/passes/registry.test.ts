// The pass plan: requirements added, served passes dropped, run order fixed whatever the request order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PASSES, planPasses } from '../../src/passes/registry.ts';
import type { PassName } from '../../src/proxies/proxy.ts';
import { NETWORK_PROXIES, NODE_PROXIES } from '../../src/proxies/registry.ts';

const plan = (names: PassName[]) => planPasses(names).map((p) => p.name);

test('each pass is registered under its own name, after the passes it requires', () => {
  const order = [...PASSES.keys()];
  for (const [name, pass] of PASSES) {
    assert.is(pass.name, name);
    for (const r of pass.requires ?? []) assert.ok(order.indexOf(r) < order.indexOf(name), `${name} runs after ${r}`);
  }
});

test('hessian brings the loss pass, which then records the ReLU gates', () => {
  const passes = planPasses(['hessian']);
  assert.equal(passes.map((p) => p.name), ['loss', 'hessian']);
  assert.ok(passes.some((p) => p.replaysLossGates));
});

test('the loss pass serves activations; without it, the forward-only pass runs', () => {
  assert.equal(plan(['activations', 'loss']), ['loss']);
  assert.equal(plan(['activations', 'hessian']), ['loss', 'hessian']);
  assert.equal(plan(['activations', 'synflow']), ['activations', 'synflow']);
});

test('the run order does not depend on the request order; each pass once', () => {
  const all: PassName[] = ['gaussian', 'jacobian', 'synflow', 'hessian', 'halves', 'loss', 'weights', 'synflow'];
  assert.equal(plan(all), ['weights', 'loss', 'halves', 'hessian', 'synflow', 'jacobian', 'gaussian']);
  assert.equal(plan([...all].reverse()), plan(all));
});

test("every registered proxy's pass is registered", () => {
  for (const p of [...NODE_PROXIES.values(), ...NETWORK_PROXIES.values()]) assert.ok(PASSES.has(p.pass), `${p.name}: ${p.pass}`);
});

test.run();
