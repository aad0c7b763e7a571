import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { getBrain } from '../api/get-brain'
import { applyTheme } from '../components/theme'
import { createQuickSearchStore } from '../stores/quick-search-store'
import '../styles/app.css'
import { QuickSearchApp } from './quick-search-app'

const brain = getBrain()
const store = createQuickSearchStore(brain)

brain.on('settings-change', (settings) => applyTheme(settings.ui.theme))
brain.getSettings().then((settings) => applyTheme(settings.ui.theme), () => undefined)
void brain.rendererReady()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QuickSearchApp brain={brain} store={store} />
  </StrictMode>,
)
