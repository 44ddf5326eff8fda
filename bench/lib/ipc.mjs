// Parent/child plumbing: fork a worker, call it by command name, and make sure every child dies with us.
import { fork } from 'node:child_process';

const children = new Set();
let exiting = false;

/** Kills every child still running. Safe to call more than once. */
export function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

function onFatalSignal(signal) {
  if (exiting) return;
  exiting = true;
  killAll();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
process.on('exit', killAll);
process.on('SIGINT', onFatalSignal);
process.on('SIGTERM', onFatalSignal);

/**
 * Forks `module` and returns an RPC handle: `call(cmd, args, timeoutMs)` resolves with the child's answer.
 * The child must call `serve(handlers)` from this file.
 */
export async function spawnWorker(module, { execArgv = [], name = module } = {}) {
  const child = fork(module, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  const pending = new Map();
  let nextId = 1;
  const failAll = (err) => {
    for (const { reject, timer } of pending.values()) {
      clearTimeout(timer);
      reject(err);
    }
    pending.clear();
  };
  child.on('message', (msg) => {
    const entry = pending.get(msg.id);
    if (!entry) return;
    pending.delete(msg.id);
    clearTimeout(entry.timer);
    if (msg.ok) entry.resolve(msg.result);
    else entry.reject(new Error(`${name}: ${msg.error}`));
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    failAll(new Error(`${name} exited (${code ?? signal})`));
  });
  await new Promise((resolve, reject) => {
    child.once('message', (msg) => (msg?.type === 'ready' ? resolve() : reject(new Error(`${name}: bad hello`))));
    child.once('error', reject);
  });

  const call = (cmd, args = {}, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      child.send({ id, cmd, args });
    });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  return { call, stop, pid: child.pid };
}

/** Child side: answers the parent's calls with `handlers[cmd](args)`; exits when the parent goes away. */
export function serve(handlers) {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.on('message', async (msg) => {
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.args);
      process.send({ id: msg.id, ok: true, result });
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  });
  process.send({ type: 'ready' });
}
