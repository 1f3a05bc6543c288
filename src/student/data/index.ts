/** Public surface of the student's data path: curated JSONL → prompt-masked examples → padded, ordered batches. */
export { asInt64, type Batch, batchRow, type CollateOptions, collate, PAD_ID } from './collator';
export { dataOptionsFrom, type LoadedExamples, loadExamples } from './dataset';
export { type DumpLine, type DumpResult, dumpLine, readBatchDump, writeBatchDump } from './dump';
export {
  buildExample,
  buildExamples,
  checkExample,
  type Example,
  type ExampleOptions,
  type ExamplesResult,
  IGNORE_INDEX,
  type OnTooLong,
  type RejectedExample,
  supervisedCount,
  tryBuildExample,
} from './examples';
export { BatchLoader, type DataOrder, type OrderOptions, type PlannedBatch } from './order';
export {
  type BadRow,
  type OnBadRow,
  parseCuratedJsonl,
  type RowsResult,
  readCuratedJsonl,
  type SourcedRow,
} from './rows';
export {
  type Distribution,
  distribution,
  type LengthStats,
  lengthStats,
  overLength,
  percentile,
  type RowLengths,
  rowLengths,
} from './stats';
export {
  normalizeText,
  PROMPT_TEMPLATES,
  PromptFormat,
  type PromptIds,
  type PromptTemplate,
  promptTemplate,
  renderPrompt,
} from './template';
