// The text form shared by the ViT spaces' arch strings: `key=value;key=value` with comma lists, every
// value one of a fixed set of choices. Errors are one-line UserErrors that name the offending token.
import { UserError } from '../../errors.ts';

/** Parses an arch string into its fields, in `keys` order; each key exactly once, nothing else. */
export class ArchText {
  private readonly fields = new Map<string, string>();

  constructor(readonly space: string, readonly text: string, keys: readonly string[]) {
    if (typeof text !== 'string') throw new UserError(`${space} arch must be a string, got ${typeof text}`);
    const form = keys.map((k) => `${k}=…`).join(';');
    for (const part of text.trim().split(';')) {
      const m = /^\s*([a-z]+)\s*=\s*(.*?)\s*$/.exec(part);
      if (!m) throw this.bad(`"${part}" is not key=value; expected ${form}`);
      if (!keys.includes(m[1])) throw this.bad(`unknown field "${m[1]}"; expected ${form}`);
      if (this.fields.has(m[1])) throw this.bad(`field "${m[1]}" repeats`);
      this.fields.set(m[1], m[2]);
    }
    const missing = keys.filter((k) => !this.fields.has(k));
    if (missing.length) throw this.bad(`missing field ${missing.map((k) => `"${k}"`).join(', ')}; expected ${form}`);
  }

  bad(why: string): UserError {
    return new UserError(`invalid ${this.space} arch ${JSON.stringify(this.text)}: ${why}`);
  }

  /** The field's comma-separated values, each one of `choices` (compared as numbers: "4.0" is 4). */
  list(key: string, what: string, choices: readonly number[]): number[] {
    return this.fields.get(key)!.split(',').map((token, i, all) => {
      const t = token.trim();
      const v = t === '' ? Number.NaN : Number(t);
      if (!choices.includes(v)) {
        const where = all.length > 1 ? ` at position ${i + 1}` : '';
        throw this.bad(`${what} "${t}"${where} is not one of ${choices.join(', ')}`);
      }
      return v;
    });
  }

  /** A single-valued field. */
  one(key: string, what: string, choices: readonly number[]): number {
    const values = this.list(key, what, choices);
    if (values.length !== 1) throw this.bad(`${key} must be one value, got ${values.length}`);
    return values[0];
  }
}

/** One-hot of `value` among `choices`. */
export const oneHot = (value: number, choices: readonly number[]) => choices.map((c) => (c === value ? 1 : 0));
