/** When the embedded demo upstreams run (wantsDemo): never by themselves in production. */
import { describe, expect, it } from 'vitest';
import { ConfigError, wantsDemo } from '../src/config.js';

const FLOWKER = { FLOWKER_BASE_URL: 'https://flowker.example.com' };

describe('wantsDemo', () => {
  it.each([
    ['nothing configured, outside production', {}, true],
    ['nothing configured, DEMO=1 in production', { NODE_ENV: 'production', DEMO: '1' }, true],
    ['nothing configured, DEMO=true outside production', { DEMO: 'true' }, true],
    ['an upstream configured', FLOWKER, false],
    ['an upstream configured, in production', { ...FLOWKER, NODE_ENV: 'production' }, false],
    ['an upstream configured, DEMO=0', { ...FLOWKER, DEMO: '0' }, false],
  ])('%s → %s', (_case, env, expected) => {
    expect(wantsDemo(env)).toBe(expected);
  });

  it.each([
    ['nothing configured in production', { NODE_ENV: 'production' }, /^No upstream is configured \(NODE_ENV=production never starts the demo by itself\)\. Set at least one provider: FLOWKER_BASE_URL .* set DEMO=1\.$/],
    ['nothing configured and DEMO=0', { DEMO: '0' }, /^No upstream is configured\. Set at least one provider: .* set DEMO=1\.$/],
    ['DEMO=1 next to a configured upstream', { ...FLOWKER, DEMO: '1' }, /DEMO serves the embedded demo upstreams, but FLOWKER_BASE_URL is set too/],
    ['DEMO that is not a boolean', { DEMO: 'maybe' }, /DEMO must be a boolean/],
  ])('%s: one ConfigError saying what to set', (_case, env, message) => {
    expect(() => wantsDemo(env)).toThrow(ConfigError);
    expect(() => wantsDemo(env)).toThrow(message);
  });
});
