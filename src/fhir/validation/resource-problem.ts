import { datatypeProblem } from './datatypes';
import { jsonSafetyProblem } from './json-safety';
import { isStoreResourceType, undefinedElements } from './resource-elements';

/**
 * Why the built-in store must not hold `resource` as a `resourceType`, or undefined: unstorable JSON first (so the
 * later checks only see bounded, clean data), then elements the type does not define, then datatypes.
 */
export function resourceProblem(resourceType: string, resource: Record<string, unknown>): string | undefined {
  const unsafe = jsonSafetyProblem(resource);
  if (unsafe) return unsafe;
  const unknown = undefinedElements(resourceType, resource);
  if (unknown.length > 0) {
    const names = unknown
      .slice(0, 5)
      .map((name) => JSON.stringify(name.slice(0, 64)))
      .join(', ');
    return `${resourceType} does not define ${unknown.length === 1 ? 'the element' : 'the elements'} ${names}`;
  }
  return datatypeProblem(resourceType, resource);
}

export { isStoreResourceType };
