import { useStore } from 'zustand'
import type { StoreApi } from 'zustand/vanilla'

/** Reads a slice of a vanilla zustand store in a component. */
export function useSlice<S, T>(store: StoreApi<S>, selector: (state: S) => T): T {
  return useStore(store, selector)
}
