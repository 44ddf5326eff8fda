import { describe, expect, it } from 'vitest';
import { planConnection } from './connection-plan.js';
import { EngineError } from './errors.js';

const base = { hasWebSocket: true, remembered: false, upgrade: true };

describe('planConnection', () => {
  it('default: WebSocket first with polling as fallback, no upgrade', () => {
    expect(planConnection({ ...base, transports: ['websocket', 'polling'] })).toEqual({ first: 'websocket', fallback: true, upgrade: false });
  });
  it('remembered fallback: polling first, upgrade once in the background', () => {
    expect(planConnection({ ...base, remembered: true, transports: ['websocket', 'polling'] })).toEqual({ first: 'polling', fallback: false, upgrade: true });
  });
  it('no WebSocket constructor: polling, no upgrade', () => {
    expect(planConnection({ ...base, hasWebSocket: false, transports: ['websocket', 'polling'] })).toEqual({ first: 'polling', fallback: false, upgrade: false });
  });
  it("socket.io-client's ['polling', 'websocket']: polling then upgrade", () => {
    expect(planConnection({ ...base, transports: ['polling', 'websocket'] })).toEqual({ first: 'polling', fallback: false, upgrade: true });
    expect(planConnection({ ...base, upgrade: false, transports: ['polling', 'websocket'] })).toEqual({ first: 'polling', fallback: false, upgrade: false });
  });
  it('forced transports never fall back or upgrade', () => {
    expect(planConnection({ ...base, transports: ['polling'] })).toEqual({ first: 'polling', fallback: false, upgrade: false });
    expect(planConnection({ ...base, remembered: true, transports: ['websocket'] })).toEqual({ first: 'websocket', fallback: false, upgrade: false });
  });
  it('forced websocket without a constructor, or no transports, is an error', () => {
    const noWs = planConnection({ ...base, hasWebSocket: false, transports: ['websocket'] });
    expect(noWs).toBeInstanceOf(EngineError);
    expect(noWs instanceof EngineError && noWs.code).toBe('NO_TRANSPORT');
    expect(planConnection({ ...base, transports: [] })).toBeInstanceOf(EngineError);
  });
});
