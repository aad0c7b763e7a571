/**
 * Rewrites an HTTP error body into the `{"error":{…}}` shape the `openai` SDK reads, because gateways disagree on
 * it and the SDK drops what does not fit: Gemini's OpenAI endpoint sends an array (`[{"error":{…,"status":
 * "RESOURCE_EXHAUSTED"}}]`), FastAPI servers (vLLM, LiteLLM) send `{"detail": …}`, others a bare
 * `{"message": …}` or `{"error": "text"}`. Plain-text bodies are left as they are (the SDK keeps their text).
 */
export function normalizeErrorBody(text: string): string | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const first = Array.isArray(value) ? value.find((entry) => typeof entry === 'object' && entry !== null) : value
  if (typeof first !== 'object' || first === null) return typeof value === 'string' ? JSON.stringify({ error: { message: value } }) : null
  const body = first as Record<string, unknown>
  if (typeof body.error === 'object' && body.error !== null && !Array.isArray(body.error)) {
    return Array.isArray(value) ? JSON.stringify(body) : null
  }
  if (typeof body.error === 'string') return JSON.stringify({ ...body, error: { message: body.error } })
  if (body.detail !== undefined) {
    const message = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)
    return JSON.stringify({ error: { message } })
  }
  if (typeof body.message === 'string') {
    return JSON.stringify({ error: { message: body.message, ...(body.code !== undefined ? { code: body.code } : {}), ...(typeof body.type === 'string' ? { type: body.type } : {}) } })
  }
  return null
}

/** Wraps a fetch so error responses (4xx/5xx) carry a normalised body; the body is already bounded by then. */
export function normalizingErrorBodies(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init)
    if (response.status < 400 || !response.body) return response
    const text = await response.text()
    const normalized = normalizeErrorBody(text)
    const headers = new Headers(response.headers)
    headers.delete('content-length')
    if (normalized !== null) headers.set('content-type', 'application/json')
    return new Response(normalized ?? text, { status: response.status, statusText: response.statusText, headers })
  }
}
