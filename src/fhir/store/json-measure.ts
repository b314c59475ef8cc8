// Size and equality of parsed JSON, walked iteratively (deep nesting cannot overflow the stack) and with
// early exits, for the JSON Patch code's work bounds.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function hasOwn(object: object, key: string): boolean {
  return Object.hasOwn(object, key);
}

function isContainer(value: Json | undefined): value is Json[] | { [key: string]: Json } {
  return typeof value === 'object' && value !== null;
}

/**
 * Approximate JSON length of `value` (string escapes not counted), walking iteratively so deep nesting cannot
 * overflow the stack; stops and returns a figure above `budget` as soon as it is passed.
 */
export function sizeWithin(value: Json, budget: number): number {
  let size = 0;
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const item = stack.pop() as Json;
    if (item === null) size += 4;
    else if (typeof item === 'string') size += item.length + 2;
    else if (typeof item === 'number') size += String(item).length;
    else if (typeof item === 'boolean') size += item ? 4 : 5;
    else if (Array.isArray(item)) {
      size += 1 + Math.max(item.length, 1);
      for (const element of item) stack.push(element);
    } else {
      let members = 0;
      for (const key in item) {
        if (!hasOwn(item, key)) continue;
        members++;
        size += key.length + 3;
        stack.push(item[key]);
      }
      size += 1 + Math.max(members, 1);
    }
    if (size > budget) return size;
  }
  return size;
}

// RFC 6902 §4.6 equality; the loops are bounded by the size of the expected value, which comes from the patch.
export function equalWithin(actual: Json, expected: Json): boolean {
  const stack: Array<[Json, Json]> = [[actual, expected]];
  while (stack.length > 0) {
    const [a, b] = stack.pop() as [Json, Json];
    if (!isContainer(a) || !isContainer(b)) {
      if (a !== b) return false;
      continue;
    }
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return false;
      for (let index = 0; index < b.length; index++) stack.push([a[index], b[index]]);
      continue;
    }
    const left = a as Record<string, Json>;
    const right = b as Record<string, Json>;
    let expectedKeys = 0;
    for (const key in right) {
      if (!hasOwn(right, key)) continue;
      if (!hasOwn(left, key)) return false;
      expectedKeys++;
      stack.push([left[key], right[key]]);
    }
    let actualKeys = 0;
    for (const key in left) if (hasOwn(left, key) && ++actualKeys > expectedKeys) return false;
  }
  return true;
}
