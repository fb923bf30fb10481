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
