import { GatewayError } from '../../domain/errors.js';
import type { GatewayContext } from '../context.js';

/** Lists of ids are bounded (MAX_IDS_PER_CALL): each id may cost an upstream call. */
export function checkIdCount(ids: readonly string[], context: GatewayContext): readonly string[] {
  if (ids.length > context.maxIds) {
    throw new GatewayError('BAD_USER_INPUT', `At most ${context.maxIds} ids per call (MAX_IDS_PER_CALL); got ${ids.length}.`);
  }
  return ids;
}
