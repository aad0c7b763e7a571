import type { Settings } from '../../shared/settings'

/** `system` leaves the choice to prefers-color-scheme in the stylesheet; light/dark pin it. */
export function applyTheme(theme: Settings['ui']['theme'] | undefined): void {
  const root = document.documentElement
  if (!theme || theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}
