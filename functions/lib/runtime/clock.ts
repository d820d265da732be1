/**
 * "Now" for the functions. On FC it is the real time. The local cloud runs cloud delays and Wait states
 * faster than real time (`--time-scale`) and tells the functions how through MIRRORFLOW_LOCAL_TIME (scale,
 * and the real and virtual epoch milliseconds of one instant), so deadlines are measured in the same virtual
 * seconds as the cloud's.
 */
export function functionClock(env: NodeJS.ProcessEnv = process.env): () => number {
  const [scale, real, virtual] = (env.MIRRORFLOW_LOCAL_TIME ?? '').split(',').map(Number);
  if (!(scale! > 0) || !Number.isFinite(real) || !Number.isFinite(virtual) || scale === 1) return Date.now;
  return () => Math.floor(virtual! + (Date.now() - real!) * scale!);
}

/** Sleeping in the functions' time: `virtualMs` of it (the local cloud may run it faster than real time). */
export function functionSleep(env: NodeJS.ProcessEnv = process.env): (virtualMs: number) => Promise<void> {
  const scale = Number((env.MIRRORFLOW_LOCAL_TIME ?? '').split(',')[0]);
  const divisor = scale > 0 ? scale : 1;
  return (virtualMs) => new Promise((resolve) => setTimeout(resolve, virtualMs / divisor));
}

/**
 * How many virtual seconds a real one is: 1 on FC; the local cloud's `--time-scale` there, where FC still
 * stops a function after its timeout in real seconds — a wait that must outlast a function's life grows by it.
 */
export function localTimeScale(env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number((env.MIRRORFLOW_LOCAL_TIME ?? '').split(',')[0]);
  return scale > 0 ? scale : 1;
}
