// JSON config files: loading with precise syntax errors, `"extends"` chains, `--set a.b=value` style
// overrides, and merging over defaults. Nothing here validates the schema; callers check the merged result.
import cloneDeep from 'lodash/cloneDeep.js';
import mergeWith from 'lodash/mergeWith.js';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from './errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Assigns an own data property; plain `obj[key] = v` would reset the prototype for "__proto__" (and
 * lodash's `set` silently skips such keys, where an override should do what it says). */
function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

class JsonErrorLocation {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * Finds the first syntax error in `text` following the JSON grammar (RFC 8259). Needed because
 * V8's JSON.parse messages do not always carry a position ("Unexpected token '}', ...").
 * Returns undefined for valid JSON.
 */
function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const found = () => (i >= text.length ? 'end of input' : JSON.stringify(text[i]));
  const fail = (reason: string, at = i): never => {
    throw new JsonErrorLocation(at, reason);
  };
  const skipWs = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = () => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('unescaped control character in string');
      if (c !== 0x5c) i++;
      else if (text[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else if (text[i + 1] !== undefined && '"\\/bfnrt'.includes(text[i + 1])) i += 2;
      else fail('invalid escape sequence');
    }
  };
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    skipWs();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skipWs();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          skipWs();
          if (text[i] !== '"') fail(`expected a double-quoted property name, found ${found()}`);
          string();
          skipWs();
          if (text[i] !== ':') fail(`expected ':' after property name, found ${found()}`);
          i++;
        }
        value();
        skipWs();
        if (text[i] === close) {
          i++;
          return;
        }
        if (text[i] !== ',') fail(`expected ',' or '${close}', found ${found()}`);
        i++;
        skipWs();
        if (text[i] === close) fail(`trailing comma before '${close}'`);
      }
    }
    if (c === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    number.lastIndex = i;
    if (number.test(text)) {
      i = number.lastIndex;
      return;
    }
    fail(`unexpected ${found()}`);
  };
  try {
    value();
    skipWs();
    if (i < text.length) fail(`unexpected ${found()} after the JSON value`);
    return undefined;
  } catch (err) {
    if (err instanceof JsonErrorLocation) return err;
    throw err;
  }
}

/** Reads one JSON file whose top level is an object (no `extends` resolution). */
function readJsonObject(path: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1); // editors on Windows like to add a BOM
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const at = locateJsonError(text);
    if (!at) throw new UserError(`${path}: invalid JSON: ${(err as Error).message.replace(/\s+/g, ' ')}`);
    const before = text.slice(0, at.offset);
    const line = before.split('\n').length;
    const column = at.offset - before.lastIndexOf('\n');
    throw new UserError(`${path}:${line}:${column}: invalid JSON: ${at.reason}`);
  }
  if (!isObject(data)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data;
    throw new UserError(`${path}: config must be a JSON object, got ${kind}`);
  }
  return data as JsonObject;
}

/**
 * Reads a JSON config whose top level is an object. `"extends": "base.json"` (a path relative to the
 * file) loads that config first and merges this one over it with deepMerge, so a variant holds only
 * what differs; chains are followed and cycles refused. Unreadable files, syntax errors (reported as
 * `file:line:column: ...`, 1-based) and non-object top levels raise a one-line UserError.
 */
export function loadConfig(path: string, seen: readonly string[] = []): JsonObject {
  const data = readJsonObject(path);
  if (!Object.hasOwn(data, 'extends')) return data;
  const { extends: base, ...own } = data;
  if (typeof base !== 'string' || !base) throw new UserError(`${path}: "extends" must be a config file path, got ${JSON.stringify(base)}`);
  const chain = [...seen, resolve(path)];
  const basePath = resolve(dirname(path), base);
  if (chain.includes(basePath)) throw new UserError(`${path}: "extends" cycle: ${[...chain, basePath].join(' → ')}`);
  return deepMerge(loadConfig(basePath, chain), own);
}

/** Parses an override value as JSON when possible (numbers, booleans, quoted strings, arrays…), else as a plain string. */
function parseOverrideValue(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

/**
 * Returns a copy of `cfg` with `path=value` overrides applied in order, e.g.
 * `['split.train=156', 'model.variant="official"', 'lr=1e-3', 'tags=["a","b"]', 'name=run 1']`.
 * Missing keys (at any depth) are created; a numeric segment indexes into an existing array.
 * Descending into a scalar or null, or a malformed override, is a UserError.
 */
export function applyOverrides<T extends object>(cfg: T, overrides: readonly string[]): T {
  const out = structuredClone(cfg);
  for (const override of overrides) {
    const eq = override.indexOf('=');
    const keys = eq < 0 ? [] : override.slice(0, eq).split('.');
    if (keys.length === 0 || keys.some((k) => k.trim() === '')) {
      throw new UserError(`invalid override ${JSON.stringify(override)}: expected dotted.path=value`);
    }
    const value = parseOverrideValue(override.slice(eq + 1));
    let node: unknown = out;
    keys.forEach((key, depth) => {
      const where = keys.slice(0, depth).join('.') || '(top level)';
      if (Array.isArray(node)) {
        if (!/^\d+$/.test(key) || Number(key) > node.length) {
          throw new UserError(`invalid override ${JSON.stringify(override)}: ${where} is an array of length ${node.length}, cannot index it with "${key}"`);
        }
      } else if (!isObject(node)) {
        throw new UserError(`invalid override ${JSON.stringify(override)}: ${where} is ${JSON.stringify(node)}, not an object`);
      }
      const parent = node as Record<string, unknown>;
      if (depth === keys.length - 1) setOwn(parent, key, value);
      else {
        if (!Object.hasOwn(parent, key)) setOwn(parent, key, {});
        node = parent[key];
      }
    });
  }
  return out;
}

/**
 * Recursively merges `cfg` over `defaults` without mutating either: nested objects merge key by
 * key, while arrays, scalars and null in `cfg` replace the default wholesale. Keys absent from the
 * defaults are kept, `undefined` values in `cfg` leave the default in place, and `__proto__` keys
 * are skipped (lodash's merge never writes through them).
 */
export function deepMerge<T extends object>(defaults: T, cfg: object): T {
  return mergeWith(cloneDeep(defaults), cloneDeep(cfg), (_base: unknown, value: unknown) => (Array.isArray(value) ? value : undefined));
}
