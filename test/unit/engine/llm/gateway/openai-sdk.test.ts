import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import { GatewayClient } from '../../../../../electron/engine/llm/gateway/gateway-client'
import { toGatewayError } from '../../../../../electron/engine/llm/gateway/gateway-errors'
import { loadedOpenAiSdk, loadOpenAiSdk } from '../../../../../electron/engine/llm/gateway/openai-sdk'
import { defaultSettings } from '../../../../../shared/settings'

describe('the openai SDK loads on first gateway use', () => {
  it('is not loaded by the gateway modules, nor by making a client or a backend', () => {
    const client = new GatewayClient({ settings: { ...defaultSettings().gateway, baseUrl: 'https://gateway.example/v1' }, token: null })
    client.backend('small')
    expect(loadedOpenAiSdk()).toBeNull()
    client.dispose()
  })

  it('maps non-SDK errors before it loads, and the SDK classes after', async () => {
    expect(toGatewayError(new Error('socket hang up'), { timeoutMs: 1000 })).toMatchObject({ code: 'gateway-unreachable', message: 'Gateway request failed: socket hang up' })
    const sdk = await loadOpenAiSdk()
    expect(loadedOpenAiSdk()).toBe(sdk)
    expect(await loadOpenAiSdk()).toBe(sdk)
    const timeout = toGatewayError(new sdk.APIConnectionTimeoutError(), { timeoutMs: 1000 })
    expect(timeout).toBeInstanceOf(BrainError)
    expect(timeout.code).toBe('gateway-timeout')
    const unauthorized = toGatewayError(sdk.APIError.generate(401, { error: { message: 'bad token' } }, undefined, new Headers()), { timeoutMs: 1000 })
    expect(unauthorized).toMatchObject({ code: 'gateway-unauthorized' })
    expect(unauthorized.message).toContain('bad token')
  })
})
