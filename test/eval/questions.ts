import type { Period } from '../../shared/period'
import { MONTH_NAMES, monthRange, quarterRange, yearRange } from '../../shared/dates/calendar-date'
import { formatIsoWeek, isoWeekOf } from '../../shared/dates/iso-week'
import type { CorpusFacts, CorpusFile } from '../fixtures/corpus/generate-corpus'

export const QUESTION_CATEGORIES = ['keyword', 'paraphrase', 'time-scoped', 'person', 'project', 'first-last'] as const
export type QuestionCategory = (typeof QUESTION_CATEGORIES)[number]

/** One evaluation question and the notes a good search puts first. */
export interface EvalQuestion {
  id: string
  category: QuestionCategory
  query: string
  /** Any of these in the top results counts; recall is over min(5, expected.length). */
  expectedFiles: string[]
  /** For time-scoped questions: the period asked about; every hit must fall in it. */
  period?: Period
  /** "Today" for relative phrases. */
  today: string
}

const overlaps = (file: CorpusFile, period: Period) => file.start <= period.end && file.end >= period.start
const monthName = (month: number) => MONTH_NAMES[month - 1]

/** Builds the questions from the corpus facts, so they stay true for any seed or length. */
export function buildQuestions(facts: CorpusFacts): EvalQuestion[] {
  const today = facts.today
  const fileOf = new Map(facts.files.map((file) => [file.path, file]))
  const questions: EvalQuestion[] = []
  const add = (category: QuestionCategory, id: string, query: string, expectedFiles: string[], period?: Period) => {
    if (expectedFiles.length === 0) return
    questions.push({ id, category, query, expectedFiles: [...new Set(expectedFiles)], period, today })
  }

  for (const event of facts.events) {
    add('keyword', `keyword-${event.key}`, event.keywordQuestion, [event.file])
    add('paraphrase', `paraphrase-${event.key}`, event.paraphraseQuestion, [event.file])
  }

  // Time-scoped: a project in a month, a quarter and a three-month range; an event in its year; whole weeks.
  for (const project of Object.values(facts.projects)) {
    const middle = fileOf.get(project.files[Math.floor(project.files.length / 2)])!
    const year = Number(middle.start.slice(0, 4))
    const month = Number(middle.start.slice(5, 7))
    const inMonth = monthRange(year, month)
    add('time-scoped', `month-${project.key}`, `${project.query} in ${monthName(month)} ${year}`,
      project.files.filter((path) => overlaps(fileOf.get(path)!, inMonth)), inMonth)

    const first = fileOf.get(project.firstFile)!
    const firstYear = Number(first.start.slice(0, 4))
    const quarter = Math.floor((Number(first.start.slice(5, 7)) - 1) / 3) + 1
    const inQuarter = quarterRange(firstYear, quarter)
    add('time-scoped', `quarter-${project.key}`, `${project.query} Q${quarter} ${firstYear}`,
      project.files.filter((path) => overlaps(fileOf.get(path)!, inQuarter)), inQuarter)
  }
  const kubernetes = facts.projects.kubernetes
  const later = fileOf.get(kubernetes.files[Math.min(kubernetes.files.length - 1, 3)])!
  const laterYear = Number(later.start.slice(0, 4))
  const laterMonth = Number(later.start.slice(5, 7))
  const fromMonth = Math.max(1, laterMonth - 1)
  const toMonth = Math.min(12, laterMonth + 1)
  const between = { start: monthRange(laterYear, fromMonth).start, end: monthRange(laterYear, toMonth).end }
  add('time-scoped', 'between-kubernetes', `Kubernetes between ${monthName(fromMonth)} and ${monthName(toMonth)} ${laterYear}`,
    kubernetes.files.filter((path) => overlaps(fileOf.get(path)!, between)), between)

  for (const event of facts.events.filter((_, index) => index % 5 === 1)) {
    const year = Number(event.week.slice(0, 4))
    add('time-scoped', `year-${event.key}`, `${event.keywordQuestion} in ${year}`, [event.file], yearRange(year))
  }
  if (facts.shippedInMarch2023.length > 0) {
    add('time-scoped', 'shipped-march-2023', 'what shipped in March 2023', facts.shippedInMarch2023.map((entry) => entry.file), monthRange(2023, 3))
  }
  const weekly = facts.files.filter((file) => file.author === 'me')
  const weekQuestions: Array<[number, (label: string) => string]> = [
    [0.3, (label) => `what did I do in ${label}`],
    [0.55, (label) => `what was I doing in week ${Number(label.slice(6))} of ${label.slice(0, 4)}`],
    [0.8, (label) => `summarise ${label}`],
  ]
  for (const [fraction, phrase] of weekQuestions) {
    const file = weekly[Math.floor(fraction * (weekly.length - 1))]
    const { year, week } = isoWeekOf(file.start)
    const label = formatIsoWeek(year, week)
    add('time-scoped', `week-${label}`, phrase(label), [file.path], { start: file.start, end: file.end })
  }
  const last = weekly[weekly.length - 1]
  add('time-scoped', 'last-week', 'what did I do last week', [last.path], { start: last.start, end: last.end })

  // People: who worked with me on what.
  const withPerson = (projectKey: string, person: string) =>
    facts.projects[projectKey].files.filter((path) => fileOf.get(path)!.topics.includes(person))
  add('person', 'person-postgres-helper', 'who helped with the Postgres migration', withPerson('postgres-migration', 'dana'))
  add('person', 'person-dana', 'pairing with Dana on the cutover', withPerson('postgres-migration', 'dana'))
  add('person', 'person-jonas', 'Jonas Kafka partition sizing', withPerson('kafka-evaluation', 'jonas'))
  add('person', 'person-omar', 'Omar search metrics review', withPerson('search-feature', 'omar'))
  add('person', 'person-sam', 'paired with Sam on billing', withPerson('billing-rewrite', 'sam'))
  add('person', 'person-lena', 'Lena release checklist', withPerson('mobile-release', 'lena'))
  add('person', 'person-mei', 'Mei collector config review', withPerson('observability', 'mei'))

  for (const project of Object.values(facts.projects)) add('project', `project-${project.key}`, project.query, project.files)

  add('first-last', 'first-kubernetes', 'when did I first try Kubernetes', [facts.kubernetesFirstFile])
  add('first-last', 'finish-postgres', 'when did I finish the Postgres migration', [facts.postgresMigrationFinishedFile])
  add('first-last', 'ship-search', 'when did the search feature ship', [facts.searchFeatureShippedFile])
  add('first-last', 'first-kafka', 'first week of the Kafka evaluation', [facts.projects['kafka-evaluation'].firstFile])
  add('first-last', 'last-mobile', 'last time I worked on the mobile app release', [facts.projects['mobile-release'].lastFile])
  add('first-last', 'start-billing', 'when did the billing service rewrite start', [facts.projects['billing-rewrite'].firstFile])
  return questions
}
