// A harvest worker process: one per core, long-lived (the first passes in a process are slow), measuring
// the architectures the parent sends and replying with their records.
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../backend/select.ts';
import { UserError } from '../errors.ts';
import { createCellMeasurer } from './measure-cell.ts';
import type { PlannedArch } from './plan.ts';
import { encodeRecord } from './record.ts';
import type { HarvestSettings } from './settings.ts';

export type ToWorker = { type: 'init'; settings: HarvestSettings; backend: BackendName } | { type: 'job'; job: PlannedArch };
export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'result'; record: string; numTensors: number }
  | { type: 'error'; message: string; user: boolean };

let measurer: ReturnType<typeof createCellMeasurer> | null = null;
const send = (m: FromWorker) => process.send!(m);

process.on('message', async (msg: ToWorker) => {
  try {
    if (msg.type === 'init') {
      const backend = await selectBackend(msg.backend);
      measurer = createCellMeasurer(msg.settings);
      send({ type: 'ready', backend });
    } else {
      const record = measurer!.measure(msg.job);
      send({ type: 'result', record: encodeRecord(record), numTensors: tf.memory().numTensors });
    }
  } catch (e) {
    send({ type: 'error', message: (e as Error).message + (e instanceof UserError ? '' : `\n${(e as Error).stack}`), user: e instanceof UserError });
  }
});
process.on('disconnect', () => process.exit(0));
