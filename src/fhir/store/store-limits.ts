// Bounds on the work one request can cause in the built-in store (docs/fhir.md, "Limits").

/** Largest stored resource, as serialized JSON (UTF-8 bytes); create, update and patch results alike. */
export const MAX_RESOURCE_BYTES = 1024 * 1024;
/** JSON of one search or history page, and of its _include/_revinclude results together (cut in SQL). */
export const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Operations in one JSON Patch document. */
export const MAX_PATCH_OPERATIONS = 100;
/** Comma-separated values of one search parameter occurrence (OR-ed). */
export const MAX_SEARCH_VALUES = 100;
/** Name=value pairs in one search request, control parameters included. */
export const MAX_SEARCH_PARAMETERS = 30;
/** `_include` and `_revinclude` occurrences together. */
export const MAX_SEARCH_INCLUDES = 10;
/** Entries in one batch or transaction Bundle, and how many of them may be searches. */
export const MAX_BUNDLE_ENTRIES = 100;
export const MAX_BUNDLE_SEARCHES = 20;
