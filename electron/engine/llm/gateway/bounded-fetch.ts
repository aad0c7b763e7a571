import { BrainError } from '../../../../shared/errors'

/** No chat answer, model list or error body needs more; a 50 MB stream or a 200 MB JSON body is cut here. */
export const MAX_GATEWAY_RESPONSE_BYTES = 16 * 1024 * 1024

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

/**
 * A fetch for the SDK that refuses redirects (a redirect would carry the token and the notes to wherever it
 * points; sync refuses them too) and bounds every response body: a declared Content-Length above the limit is
 * refused before reading, and a body that grows past it errors with `gateway-response-too-large`.
 */
export function boundedFetch(maxBytes: number = MAX_GATEWAY_RESPONSE_BYTES, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, { ...init, redirect: 'manual' })
    if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response
    const declared = Number(response.headers.get('content-length') ?? NaN)
    if (Number.isFinite(declared) && declared > maxBytes) {
      void response.body.cancel().catch(() => undefined)
      throw tooLarge(maxBytes, declared)
    }
    let seen = 0
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength
          if (seen > maxBytes) {
            controller.error(tooLarge(maxBytes, null))
            return
          }
          controller.enqueue(chunk)
        },
      }),
    )
    return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}

function tooLarge(maxBytes: number, declared: number | null): BrainError {
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`
  return new BrainError(
    'gateway-response-too-large',
    declared === null
      ? `The gateway sent more than ${mb(maxBytes)} for one response; notes-rag stopped reading it`
      : `The gateway announced a ${mb(declared)} response, more than the ${mb(maxBytes)} notes-rag reads; it was not read`,
    { details: { maxBytes, declaredBytes: declared } },
  )
}
