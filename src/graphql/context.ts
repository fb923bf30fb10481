/** What every resolver gets: this operation's loaders. Built fresh per operation. */
import type { Loaders } from './loaders.js';

export interface GatewayContext {
  readonly loaders: Loaders;
}
