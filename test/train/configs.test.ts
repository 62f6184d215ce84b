// Every shipped config resolves (known keys, valid values), names a registered space, and, where its
// harvest table is in the repository, that table is of the config's space.
// NDS configs are checked for keys only (their spaces need the downloaded NDS files).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../../src/config.ts';
import { getSpace } from '../../src/spaces/index.ts';
import { readHarvestTables } from '../../src/harvest/table.ts';
import { resolveConfig } from '../../src/train/config.ts';

const dir = 'configs';
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('shipped configs resolve and match their harvest tables', () => {
  assert.ok(files.length >= 5, 'configs/ holds the shipped configs');
  for (const f of files) {
    const cfg = resolveConfig(loadConfig(join(dir, f)), false);
    // NDS spaces load their sweep file on lookup, which only a user's data directory has.
    if (!cfg.space.startsWith('nds:')) assert.ok(getSpace(cfg.space), `${f}: space ${cfg.space}`);
    for (const p of [cfg.harvest.path, ...cfg.harvest.extra]) {
      if (!existsSync(p)) continue;
      assert.is(readHarvestTables(p).meta.space, cfg.space, `${f}: ${p}`);
    }
  }
});

test.run();
