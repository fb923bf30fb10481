/** PromptLayer's results body with `return_all_outputs=true`: a map keyed by node display name. */
import { z } from 'zod';

export const PromptLayerNode = z.object({
  status: z.string(),
  value: z.unknown().optional(),
  error_message: z.string().nullish(),
  raw_error_message: z.string().nullish(),
  is_output_node: z.boolean().nullish(),
});
export type PromptLayerNode = z.infer<typeof PromptLayerNode>;

export const PromptLayerResultsBody = z.record(z.string(), PromptLayerNode);
export type PromptLayerResultsBody = z.infer<typeof PromptLayerResultsBody>;

/** An int64 id: the lossless parser hands it over as a string when it is beyond 2^53, as a number otherwise. */
const ExecutionId = z.union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]*$/)]);

/**
 * What PromptLayer POSTs to a run's `callback_url` when it finishes: the run's id and its node map
 * (node statuses `SUCCESS | FAILURE` in the callback docs; any string is kept). Unsigned, so only a
 * reason to read the run again (docs/upstreams.md §3.5).
 */
export const PromptLayerCallbackBody = z.object({
  // Documented, but the payload's shape is loosely specified: the token alone says which run it is.
  workflow_version_execution_id: ExecutionId.optional(),
  final_output: PromptLayerResultsBody.nullish(),
});

/**
 * `POST /workflows/{name}/run` → 201 (202 with a callback URL).
 */
export const PromptLayerRunBody = z.object({
  workflow_version_execution_id: ExecutionId,
  warning: z.string().nullish(),
});
