/** Runs `fn` `n` times after a short warm-up; returns operations per second. */
export async function timeOps(n, fn) {
  for (let i = 0; i < Math.min(20, n); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return n / ((performance.now() - t0) / 1000);
}
