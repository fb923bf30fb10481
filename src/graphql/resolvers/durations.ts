/**
 * Durations as the schema serves them. GraphQL `Int` is 32-bit and a run can last longer than
 * 2^31 ms (24.8 days), so `durationMs` saturates at the largest Int (a true lower bound that
 * still sorts, where null would mean "unknown") and `durationSeconds` (a Float) holds it whole.
 * A negative duration (clock skew upstream) is unknown, as `domain/execution.ts` reads it too.
 */
import { GRAPHQL_MAX_INT } from 'graphql';

const known = (ms: number | null): ms is number => ms !== null && ms >= 0;

export const durationMsField = (ms: number | null): number | null => (known(ms) ? Math.min(Math.round(ms), GRAPHQL_MAX_INT) : null);

export const durationSecondsField = (ms: number | null): number | null => (known(ms) ? ms / 1000 : null);
