/** A native question to the user: the part of Electron's `MessageBoxOptions` main's prompts use. */
export interface UserPrompt {
  type: 'warning' | 'question'
  title: string
  message: string
  detail: string
  buttons: string[]
  /** The button Enter picks; every prompt here defaults to the safe answer. */
  defaultId: number
  /** The button Escape or closing the dialog picks. */
  cancelId: number
}

/** Shows a prompt and resolves with the index of the button chosen (`dialog.showMessageBox` in the app). */
export type AskUser = (prompt: UserPrompt) => Promise<number>
