// Harness self-check: each target really runs the implementation it names (guards the factory).
import { describe, expect, it } from 'vitest';
import { selectedTargets, type Target } from './support.js';

describe.each(selectedTargets())('target identity — $name', (target: Target) => {
  it('engine and Socket.IO server come from the named implementation', async () => {
    const expected = target.name === 'switchback' ? 'EngineServer' : 'Server';
    await using engine = await target.engine();
    await using io = await target.io();
    expect(engine.server.constructor.name).toBe(expected);
    expect(io.server.engine.constructor.name).toBe(expected);
  });
});
