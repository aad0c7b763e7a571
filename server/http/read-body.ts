import type { IncomingMessage } from 'node:http'
import { ServiceError } from './service-error'

/** The request body, refused with 413 as soon as it passes `limit` bytes (the rest is not read into memory). */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      request.resume()
      return reject(new ServiceError(413, 'payload-too-large', `The body has ${declared} bytes; the limit is ${limit}.`))
    }
    const parts: Buffer[] = []
    let size = 0
    request.on('data', (part: Buffer) => {
      size += part.length
      if (size > limit) {
        request.removeAllListeners('data')
        request.resume()
        reject(new ServiceError(413, 'payload-too-large', `The body passed the limit of ${limit} bytes.`))
        return
      }
      parts.push(part)
    })
    request.on('end', () => resolve(Buffer.concat(parts)))
    request.on('error', reject)
  })
}
