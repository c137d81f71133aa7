// The pipeline stage: one batch of access events through every other stage, from the
// normalised event to the lockout command. Other stages import from here only.
export { DetectionPipeline, type BatchOutput, type PipelineOptions } from './pipeline.js';
export { BatchTally, type RuleActivity } from './tally.js';
export type { Trace, TraceEntry } from './readings.js';
export { subjectOf } from './observe.js';
export { sortRecovered, type SortedRecovered } from './recovered.js';
