/** Zod pieces the providers' `wire.ts` share. */
import { z } from 'zod';

/** The largest GraphQL `Int` (a signed 32-bit integer, as the GraphQL spec defines it). */
const INT32_MAX = 2_147_483_647;

/**
 * An upstream count the schema serves as `Int` (retry counts, step numbers, progress): checked
 * here, at the edge, so that a value GraphQL cannot represent is the provider's
 * UPSTREAM_BAD_RESPONSE on the field that read it, never a serialization error later.
 */
export const int32Count = z.number().int().min(0).max(INT32_MAX);
