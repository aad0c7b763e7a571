import { describe, expect, it } from 'vitest'
import { backendOrder } from '../../../../../electron/engine/llm/router/route-answer'

describe('backendOrder', () => {
  it.each([
    ['local-only', 'auto', ['local']],
    ['local-only', 'gateway', ['local']],
    ['local-only', 'local', ['local']],
    ['auto', 'auto', ['local', 'gateway']],
    ['auto', 'gateway', ['gateway']],
    ['auto', 'local', ['local']],
    ['prefer-gateway', 'auto', ['gateway', 'local']],
    ['prefer-gateway', 'local', ['local']],
    ['prefer-gateway', 'gateway', ['gateway']],
  ] as const)('policy %s, choice %s', (policy, choice, expected) => {
    expect(backendOrder(policy, choice)).toEqual(expected)
  })
})
