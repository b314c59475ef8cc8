/** Largest JWKS or introspection answer read from the authorization server. */
const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5000;

/** One bounded JSON exchange with the authorization server: 5 s, at most 1 MiB, no redirects followed. */
export async function fetchJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<unknown> {
  const response = await fetch(url, {
    ...init,
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: { Accept: 'application/json', ...init.headers },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${response.status}`);
  }
  if (Number(response.headers.get('content-length') ?? 0) > MAX_BYTES) {
    await response.body?.cancel();
    throw new Error(`${url} answered more than ${MAX_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
    length += read.value.byteLength;
    if (length > MAX_BYTES) {
      await reader?.cancel();
      throw new Error(`${url} answered more than ${MAX_BYTES} bytes`);
    }
    chunks.push(read.value);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}
