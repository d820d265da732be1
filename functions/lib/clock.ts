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
