// The breach-scope report (`exfilguard report`): one subject's activity from retained
// logs — what it got, with whom, and what still got through after its lockout. Built in
// one streaming pass over records the caller reads (files, a topic); per-subject state
// only, capped. The report holds personal data by nature: the command writes it only
// where the user asks, and the detector never keeps it.
export {
  ReportBuilder,
  type FinishedReport,
  type ReportCounts,
  type ReportOptions,
} from './report.js';
export {
  DEFAULT_REPORT_LIMITS,
  ReportLimitReached,
  type ReportLimits,
  type RouteIds,
} from './tally.js';
export { idRanges, orderIds, type IdRange } from './id-ranges.js';
export { parseSubject, subjectMatcher, type ReportSubject } from './subject.js';
export { CSV_HEADER, idsCsv, reportMarkdown } from './render.js';
export {
  reportJsonSchema,
  reportSchema,
  REPORT_VERSION,
  type ReportLockout,
  type ScopeReport,
} from './schema.js';
