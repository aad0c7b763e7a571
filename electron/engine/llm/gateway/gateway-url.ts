import { BrainError } from '../../../../shared/errors'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/** Whether a host name is this machine, where plain http cannot be sniffed on the network. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/** Parses the gateway base URL; plain http to another machine would send the token and notes in the clear. */
export function checkGatewayUrl(baseUrl: string, allowInsecureHttp: boolean): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch (error) {
    throw new BrainError('invalid-input', `The gateway URL "${baseUrl}" is not a valid URL`, { cause: error })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BrainError('invalid-input', `The gateway URL must start with https:// (got ${url.protocol})`)
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowInsecureHttp) {
    throw new BrainError(
      'gateway-insecure-url',
      `Refusing plain http:// to ${url.hostname}: the token and your notes would travel unencrypted. Use https:// or allow insecure http in settings.`,
      { details: { host: url.hostname } },
    )
  }
  return url
}
