// RFC 6902 JSON Patch, applied in place to one private copy of a resource, with bounded work:
// - at most `maxOperations` operations, each checked for shape before any is applied;
// - `copy`/`move` from the root or from an ancestor of the target refused (each such copy doubles the document);
// - a running estimate of the document's serialized size, refused as soon as it passes `maxSize`;
// - no clone per operation (the validator of fast-json-patch cloned the whole document for every one).
// Work per patch is O(patch size + maxSize × a small constant).

import { equalWithin, hasOwn, Json, sizeWithin } from './json-measure';

export interface JsonPatchLimits {
  maxOperations: number;
  /** Upper bound for the serialized size of the document (JSON characters) at every step. */
  maxSize: number;
}

/** `malformed`: the patch itself is wrong or exceeds a bound (400); `unapplicable`: it does not apply to this document (422); `too-large`: the result would be too large (422). */
export class JsonPatchError extends Error {
  constructor(
    readonly kind: 'malformed' | 'too-costly' | 'unapplicable' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

type Container = Json[] | { [key: string]: Json };

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string[];
  from?: string[];
  value?: Json;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
// Keys that would reach an object's prototype if assigned; FHIR never uses them.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Applies `patch` to `document` (which it mutates and returns, or replaces when the root is the target). */
export function applyJsonPatch(document: Json, patch: unknown, limits: JsonPatchLimits): Json {
  const operations = parseOperations(patch, limits.maxOperations);
  // Every value measured or cloned is paid for from one budget, so repeated copies and removals of large
  // parts cannot add up to more than a few times the size limit.
  let work = 0;
  const measure = (value: Json, budget = Number.POSITIVE_INFINITY): number => {
    const size = sizeWithin(value, budget);
    work += Math.min(size, budget);
    if (work > WORK_FACTOR * limits.maxSize) throw new JsonPatchError('too-costly', 'The JSON Patch moves too much data');
    return size;
  };
  let size = measure(document);
  const grow = (delta: number): void => {
    size += delta;
    if (size > limits.maxSize) throw new JsonPatchError('too-large', `The patched resource would exceed ${limits.maxSize} characters`);
  };
  const room = (): number => limits.maxSize - size + 1;
  let root = document;
  for (const [index, operation] of operations.entries()) {
    const where = `operation ${index}`;
    const { path } = operation;
    switch (operation.op) {
      case 'test':
        if (!equalWithin(resolve(root, path, where), operation.value as Json))
          throw new JsonPatchError('unapplicable', `${where}: test failed`);
        break;
      case 'remove': {
        const removed = remove(root, path, where);
        grow(-(measure(removed.value) + removed.overhead));
        break;
      }
      case 'replace': {
        const value = operation.value as Json;
        grow(measure(value, room()));
        if (path.length === 0) {
          grow(-measure(root));
          root = value;
          break;
        }
        const parent = parentOf(root, path, where);
        const key = Array.isArray(parent) ? arrayIndex(parent, last(path), where, false) : existingKey(parent, last(path), where);
        grow(-measure((parent as Record<string | number, Json>)[key]));
        setMember(parent, key, value);
        break;
      }
      case 'add':
      case 'copy': {
        const value = operation.op === 'add' ? (operation.value as Json) : resolve(root, operation.from as string[], where);
        // Measured against what is left of the budget before anything is cloned.
        grow(measure(value, room()));
        root = add(root, path, operation.op === 'add' ? value : structuredClone(value), where, grow, measure);
        break;
      }
      case 'move': {
        const from = operation.from as string[];
        if (samePointer(from, path)) {
          resolve(root, from, where);
          break;
        }
        // RFC 6902 §4.4: remove, then add the same value; its size does not change, only its key's.
        const removed = remove(root, from, where);
        grow(-removed.overhead);
        root = add(root, path, removed.value, where, grow, measure);
        break;
      }
    }
  }
  return root;
}

const WORK_FACTOR = 4;

function last(path: string[]): string {
  return path[path.length - 1];
}

function existingKey(parent: Container, key: string, where: string): string {
  if (!hasOwn(parent, key)) throw new JsonPatchError('unapplicable', `${where}: the path does not exist`);
  return key;
}

// A data property even for unusual names, so nothing can reach a prototype setter.
function setMember(parent: Container, key: string | number, value: Json): void {
  if (Array.isArray(parent)) parent[key as number] = value;
  else Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
}

function parseOperations(patch: unknown, maxOperations: number): Operation[] {
  if (!Array.isArray(patch)) throw new JsonPatchError('malformed', 'A JSON Patch document is an array of operations');
  if (patch.length > maxOperations) throw new JsonPatchError('too-costly', `A JSON Patch may hold at most ${maxOperations} operations`);
  return patch.map((raw, index) => {
    const where = `operation ${index}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new JsonPatchError('malformed', `${where} is not an object`);
    const { op, path, from } = raw as Record<string, unknown>;
    if (typeof op !== 'string' || !OPS.has(op))
      throw new JsonPatchError('malformed', `${where}: op must be add, remove, replace, move, copy or test`);
    const operation: Operation = { op: op as Operation['op'], path: parsePointer(path, `${where}: path`) };
    if (op === 'add' || op === 'replace' || op === 'test') {
      if (!Object.hasOwn(raw, 'value')) throw new JsonPatchError('malformed', `${where}: ${op} needs a value`);
      operation.value = (raw as { value: Json }).value;
    }
    if (op === 'move' || op === 'copy') {
      operation.from = parsePointer(from, `${where}: from`);
      // RFC 6902 §4.4 forbids moving a location into its own child; a copy into its own child (or of the root)
      // doubles the document with every operation, so it is refused as well.
      if (operation.from.length === 0) throw new JsonPatchError('too-costly', `${where}: ${op} from the document root is not allowed`);
      if (isProperPrefix(operation.from, operation.path))
        throw new JsonPatchError('malformed', `${where}: ${op} into a child of its own source is not allowed`);
    }
    return operation;
  });
}

// RFC 6901: "" is the whole document; otherwise "/"-separated tokens with ~1 for "/" and ~0 for "~".
function parsePointer(raw: unknown, what: string): string[] {
  if (typeof raw !== 'string' || (raw !== '' && !raw.startsWith('/')))
    throw new JsonPatchError('malformed', `${what} must be a JSON Pointer`);
  if (raw === '') return [];
  return raw
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new JsonPatchError('malformed', `${what} has an invalid ~ escape`);
      const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
      if (FORBIDDEN_KEYS.has(key)) throw new JsonPatchError('malformed', `${what} names a forbidden member`);
      return key;
    });
}

function isProperPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length < path.length && prefix.every((token, index) => token === path[index]);
}

function samePointer(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((token, index) => token === b[index]);
}

function isContainer(value: Json | undefined): value is Container {
  return typeof value === 'object' && value !== null;
}

// RFC 6901 §4: an array index is "0" or digits without a leading zero; "-" (past the end) only where allowed.
function arrayIndex(array: Json[], token: string, where: string, allowEnd: boolean): number {
  if (token === '-' && allowEnd) return array.length;
  if (!/^(0|[1-9]\d{0,8})$/.test(token))
    throw new JsonPatchError('unapplicable', `${where}: '${token.slice(0, 20)}' is not an array index`);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length))
    throw new JsonPatchError('unapplicable', `${where}: index ${index} is out of bounds`);
  return index;
}

function resolve(root: Json, path: string[], where: string): Json {
  let current: Json = root;
  for (const token of path) {
    if (Array.isArray(current)) current = current[arrayIndex(current, token, where, false)];
    else if (isContainer(current) && hasOwn(current, token)) current = current[token];
    else throw new JsonPatchError('unapplicable', `${where}: the path does not exist`);
  }
  return current;
}

function parentOf(root: Json, path: string[], where: string): Container {
  const parent = resolve(root, path.slice(0, -1), where);
  if (!isContainer(parent)) throw new JsonPatchError('unapplicable', `${where}: the parent of the path is not an object or array`);
  return parent;
}

/** Removes the target and returns it with the separator/key characters it occupied. */
function remove(root: Json, path: string[], where: string): { value: Json; overhead: number } {
  if (path.length === 0) throw new JsonPatchError('unapplicable', `${where}: the document root cannot be removed`);
  const parent = parentOf(root, path, where);
  const token = last(path);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, token, where, false);
    const value = parent[index];
    parent.splice(index, 1);
    return { value, overhead: 1 };
  }
  if (!hasOwn(parent, token)) throw new JsonPatchError('unapplicable', `${where}: the path does not exist`);
  const value = parent[token];
  delete parent[token];
  return { value, overhead: token.length + 4 };
}

/** RFC 6902 §4.1 add (also the second half of move and copy); returns the new root. */
function add(
  root: Json,
  path: string[],
  value: Json,
  where: string,
  grow: (delta: number) => void,
  measure: (value: Json) => number,
): Json {
  if (path.length === 0) {
    grow(-measure(root));
    return value;
  }
  const parent = parentOf(root, path, where);
  const token = last(path);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, token, where, true), 0, value);
    grow(1);
    return root;
  }
  if (hasOwn(parent, token)) grow(-measure(parent[token]));
  else grow(token.length + 4);
  setMember(parent, token, value);
  return root;
}
