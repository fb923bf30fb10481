/** Polos' `ExecutionResponse` (orchestrator `api/executions/handlers.rs`). */
import { z } from 'zod';

const nullableString = z.string().nullish();

export const PolosExecutionBody = z.object({
  id: z.string(),
  workflow_id: z.string(),
  status: z.string(),
  created_at: z.string(),
  payload: z.unknown().optional(),
  result: z.unknown().optional(),
  error: nullableString,
  retry_count: z.number().int(),
  started_at: nullableString,
  completed_at: nullableString,
  cancelled_at: nullableString,
  cancelled_by: nullableString,
  parent_execution_id: nullableString,
  root_execution_id: nullableString,
});
export type PolosExecutionBody = z.infer<typeof PolosExecutionBody>;
