/**
 * The app's name: Electron's app name, the data dir's folder name under the OS's config folder, and the CLI's name,
 * so the desktop app and the CLI find the same index.
 */
export const APP_NAME = 'notes-rag'
