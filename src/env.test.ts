import { describe, expect, test } from 'vitest';
import { loadConfig } from './env.ts';

describe('configuration', () => {
  test('defaults: embedded database, 1-hour recall window (R-RECALL-1)', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.recallWindowMs).toBe(3_600_000);
    expect(config.port).toBe(4000);
  });

  test('durations and an empty DATABASE_URL', () => {
    const config = loadConfig({ RECALL_WINDOW: '24h', TOKEN_TTL: '90s', DATABASE_URL: '' });
    expect(config.recallWindowMs).toBe(86_400_000);
    expect(config.tokenTtlMs).toBe(90_000);
    expect(config.databaseUrl).toBeUndefined();
  });

  test('every bad variable is named', () => {
    expect(() => loadConfig({ PORT: 'eighty', RECALL_WINDOW: '0s', DATABASE_URL: 'not a url' })).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*RECALL_WINDOW|PORT[\s\S]*RECALL_WINDOW[\s\S]*DATABASE_URL/,
    );
  });
});

describe('plugins configuration', () => {
  test('PLUGINS is a comma-separated list; PLUGIN_HOOK_TIMEOUT a duration', () => {
    expect(loadConfig({ PLUGINS: ' ./a.ts, @acme/b ,,' }).plugins).toEqual(['./a.ts', '@acme/b']);
    expect(loadConfig({}).plugins).toEqual([]);
    expect(loadConfig({ PLUGIN_HOOK_TIMEOUT: '500ms' }).pluginHookTimeoutMs).toBe(500);
    expect(() => loadConfig({ PLUGIN_HOOK_TIMEOUT: 'soon' })).toThrow(/PLUGIN_HOOK_TIMEOUT/);
  });
});
