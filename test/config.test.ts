/** When the embedded demo upstreams run (wantsDemo): never by themselves in production. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, wantsDemo } from '../src/config.js';

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

describe('LOG_BUFFER_BYTES', () => {
  const env = { ...FLOWKER, FLOWKER_API_KEY: 'flowker-test-key-0001' };

  it('batches 4 KiB of log lines by default; 0 writes each line as it comes', () => {
    expect(loadConfig(env).logBufferBytes).toBe(4096);
    expect(loadConfig({ ...env, LOG_BUFFER_BYTES: '0' }).logBufferBytes).toBe(0);
  });

  it('refuses 16 KiB or more (pino writes at most that at once), naming the variable', () => {
    expect(() => loadConfig({ ...env, LOG_BUFFER_BYTES: '16384' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, LOG_BUFFER_BYTES: '16384' })).toThrow(/LOG_BUFFER_BYTES must be below 16384/);
  });
});
