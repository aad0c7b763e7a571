/**
 * The `openai` SDK, loaded when the gateway is first used rather than with the engine's modules: a search or a
 * local answer never needs it, and loading it is ~50 ms that a CLI start would otherwise spend on every command.
 */
export type OpenAiSdk = typeof import('openai')

let loading: Promise<OpenAiSdk> | null = null
let loaded: OpenAiSdk | null = null

export function loadOpenAiSdk(): Promise<OpenAiSdk> {
  loading ??= import('openai').then((sdk) => (loaded = sdk))
  return loading
}

/**
 * The SDK if something has loaded it. Until then nothing can have thrown one of its error classes, so error mapping
 * asks this instead of importing the SDK only to run `instanceof`.
 */
export function loadedOpenAiSdk(): OpenAiSdk | null {
  return loaded
}
