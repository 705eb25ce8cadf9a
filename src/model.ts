// The vocabulary every layer imports: the terms (model-core.ts), the run as the renderers see it
// (model-view.ts) and the record every run persists (model-records.ts). Only re-exports: the three import
// model-core.ts, never this file, so no import circles back here.
export * from './model-core.js';
export * from './model-view.js';
export { isRunRecord, RECORD_FIELDS, type RunRecord, type RunRecordKind } from './model-records.js';
