/** Custom scalars, from graphql-scalars rather than hand-written. */
import { DateTimeISOResolver, JSONResolver } from 'graphql-scalars';

export const scalars = { DateTime: DateTimeISOResolver, JSON: JSONResolver };
