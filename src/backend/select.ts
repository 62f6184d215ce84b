// Picks the TensorFlow.js backend. The native TensorFlow bindings are optional packages (their
// install downloads libtensorflow), so they are imported dynamically and may be absent.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import { registerWasmGradients } from './wasm-gradients.ts';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/** TensorFlow reads this when it loads. oneDNN's convolutions and their gradients took 20-30% less time
 * than its default Eigen ones on NB201 cells here, so they are on unless the user chose otherwise. */
const ONEDNN = 'TF_ENABLE_ONEDNN_OPTS';

/** The active backend's name, with "+onednn" when TensorFlow runs oneDNN kernels: their float round-off
 * differs from the Eigen ones, so harvest journals must not mix the two. */
export function backendLabel(): string {
  const active = tf.getBackend();
  return active === 'tensorflow' && process.env[ONEDNN] !== '0' ? 'tensorflow+onednn' : active;
}

/** Loads the first native binding that imports; returns why none did otherwise. */
async function loadTensorflow(packages: string[]): Promise<{ ok: true } | { ok: false; reason: string }> {
  const reasons: string[] = [];
  process.env[ONEDNN] ??= '1';
  for (const pkg of packages) {
    try {
      // A variable specifier: the packages are optional and have no types here.
      await import(pkg);
      if (await tf.setBackend('tensorflow')) return { ok: true };
      reasons.push(`${pkg} did not initialise`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
        reasons.push(`${pkg}: ${String((err as Error).message ?? err).split('\n')[0]}`);
      }
    }
  }
  return { ok: false, reason: reasons.join('; ') };
}

async function useWasm(): Promise<boolean> {
  // The Node build finds its .wasm next to its own script (__dirname), so the cwd does not matter.
  registerWasmGradients();
  return tf.setBackend('wasm');
}

/** Activates a backend and reports it on stderr; returns its label (backendLabel).
 * nativePackages: the TensorFlow bindings to try, in order (tests pass absent ones). */
export async function selectBackend(name: BackendName, nativePackages = NATIVE_PACKAGES): Promise<string> {
  switch (name) {
    case 'tensorflow': {
      const r = await loadTensorflow(nativePackages);
      if (!r.ok) {
        throw new UserError(r.reason
          ? `backend 'tensorflow' failed to load (${r.reason})`
          : "backend 'tensorflow' needs @tensorflow/tfjs-node: run `npm install @tensorflow/tfjs-node` " +
            '(or @tensorflow/tfjs-node-gpu), or use the wasm backend');
      }
      break;
    }
    case 'wasm':
      if (!(await useWasm())) throw new UserError("backend 'wasm' failed to initialise");
      break;
    case 'cpu':
      await tf.setBackend('cpu');
      break;
    case 'auto':
      if (!(await loadTensorflow(nativePackages)).ok && !(await useWasm())) await tf.setBackend('cpu');
      break;
  }
  await tf.ready();
  const label = backendLabel();
  process.stderr.write(`parzc: backend ${label}\n`);
  return label;
}
