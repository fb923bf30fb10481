/** Flowker's response bodies, as documented (docs.lerian.studio) and as its v1.0.2 code writes them. */
import { z } from 'zod';
import { int32Count } from '../wire.js';

const nullableString = z.string().nullish();

export const FlowkerExecutionStatusBody = z.object({
  executionId: z.string(),
  workflowId: nullableString,
  status: z.string(),
  currentStepNumber: int32Count.nullish(),
  totalSteps: int32Count.nullish(),
  startedAt: nullableString,
  completedAt: nullableString,
  errorMessage: nullableString,
});
export type FlowkerExecutionStatusBody = z.infer<typeof FlowkerExecutionStatusBody>;

export const FlowkerStepResult = z.object({
  stepNumber: int32Count.nullish(),
  stepName: z.string(),
  nodeId: nullableString,
  status: z.string(),
  output: z.unknown().optional(),
  errorMessage: nullableString,
  executedAt: nullableString,
  /** Any length: served as `durationSeconds`, and as a saturated `durationMs` (see schema/). */
  durationMs: z.number().nullish(),
});
export type FlowkerStepResult = z.infer<typeof FlowkerStepResult>;

export const FlowkerResultsBody = z.object({
  executionId: z.string(),
  status: z.string(),
  stepResults: z.array(FlowkerStepResult).nullish(),
  finalOutput: z.unknown().optional(),
});
export type FlowkerResultsBody = z.infer<typeof FlowkerResultsBody>;

/** `{code, title, message}`; `code` is `FLK-xxxx`, or `UNAUTHORIZED` for auth failures. */
export const FlowkerErrorBody = z.object({ code: z.string(), message: z.string().optional() });

/** `GET /v1/executions`: cursor-paged; `nextCursor` is "" on the last page. */
export const FlowkerListBody = z.object({
  items: z.array(FlowkerExecutionStatusBody),
  nextCursor: nullableString,
  hasMore: z.boolean().nullish(),
});
