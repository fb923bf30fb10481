/** Polos' `ExecutionResponse` (orchestrator `api/executions/handlers.rs`). */
import { z } from 'zod';
import { int32Count } from '../wire.js';

const nullableString = z.string().nullish();

export const PolosExecutionBody = z.object({
  id: z.string(),
  workflow_id: z.string(),
  status: z.string(),
  created_at: z.string(),
  payload: z.unknown().optional(),
  result: z.unknown().optional(),
  error: nullableString,
  retry_count: int32Count,
  started_at: nullableString,
  completed_at: nullableString,
  cancelled_at: nullableString,
  cancelled_by: nullableString,
  parent_execution_id: nullableString,
  root_execution_id: nullableString,
});
export type PolosExecutionBody = z.infer<typeof PolosExecutionBody>;

/** `POST /api/v1/workflows/{workflow_id}/run`. */
export const PolosRunBody = z.object({ execution_id: z.string(), created_at: z.string().nullish() });

/** One item of `GET /api/v1/workflows/runs`: a subset of the execution, without retry_count or parent. */
export const PolosRunsBody = z.array(
  PolosExecutionBody.pick({ id: true, workflow_id: true, status: true, created_at: true, payload: true, result: true, error: true, completed_at: true, root_execution_id: true }),
);
export type PolosRunItem = z.infer<typeof PolosRunsBody>[number];

/**
 * One frame of `GET /api/v1/events/stream` (orchestrator `api/events/handlers.rs`): an event of the
 * tree's topic. Child executions' events carry their id in `data._metadata.execution_id`.
 */
export const PolosEventFrame = z.object({
  sequence_id: z.number().int(),
  topic: z.string().optional(),
  event_type: z.string(),
  data: z.unknown().optional(),
  created_at: z.string().nullish(),
});

export const PolosEventMetadata = z.object({ _metadata: z.object({ execution_id: z.string().nullish() }) });

/** The frame the stream ends with when the run failed: `{"type":"error","message":…}`. */
export const PolosErrorFrame = z.object({ type: z.literal('error'), message: z.string().nullish() });
