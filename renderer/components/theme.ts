import type { Settings } from '../../shared/settings'

/** `system` leaves the choice to the OS (the stylesheet's `color-scheme: light dark`); light/dark pin it. */
export function applyTheme(theme: Settings['ui']['theme'] | undefined): void {
  const root = document.documentElement
  if (!theme || theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}
