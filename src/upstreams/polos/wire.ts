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
