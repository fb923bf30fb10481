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

/**
 * `POST /workflows/{name}/run` → 201 (202 with a callback URL). The id is int64: the lossless
 * parser hands it over as a string when it is beyond 2^53, as a number otherwise.
 */
export const PromptLayerRunBody = z.object({
  workflow_version_execution_id: z.union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]*$/)]),
  warning: z.string().nullish(),
});
