/** What each adapter declares it can do matches what it implements, and what the README says. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, providerName } from '../../src/domain/ids.js';
import type { Capabilities, ExecutionAdapter } from '../../src/upstreams/adapter.js';
import { FlowkerAdapter } from '../../src/upstreams/flowker/adapter.js';
import { PolosAdapter } from '../../src/upstreams/polos/adapter.js';
import { PromptLayerAdapter } from '../../src/upstreams/promptlayer/adapter.js';
import { capabilitiesOf } from '../../src/upstreams/registry.js';

const ADAPTER_CLASSES = { flowker: FlowkerAdapter, promptlayer: PromptLayerAdapter, polos: PolosAdapter };
/** The optional adapter methods each capability stands for. */
const METHODS: Partial<Record<keyof Capabilities, keyof ExecutionAdapter>> = { cancel: 'cancelExecution', list: 'listExecutions', children: 'listChildren' };

describe('provider capabilities', () => {
  it.each(PROVIDERS)('%s implements exactly the optional calls it declares', (provider) => {
    const prototype = ADAPTER_CLASSES[provider].prototype as unknown as Record<string, unknown>;
    for (const [capability, method] of Object.entries(METHODS)) {
      expect([capability, typeof prototype[method!] === 'function']).toEqual([capability, capabilitiesOf(provider)[capability as keyof Capabilities]]);
    }
  });

  it('the README table says what the adapters declare', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## What each provider can do'));
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'));
    const [header, ...body] = rows.map((row) => row.split('|').slice(1, -1).map((cell) => cell.trim()));
    expect(header).toEqual(['capability', ...PROVIDERS.map(providerName)]);
    const words = (name: string) => name.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
    const expected = Object.keys(capabilitiesOf('flowker')).map((capability) => [
      words(capability),
      ...PROVIDERS.map((provider) => (capabilitiesOf(provider)[capability as keyof Capabilities] ? 'yes' : 'no')),
    ]);
    expect(body.slice(0, expected.length)).toEqual(expected);
  });
});
