/**
 * Spreads requests started together over the tasks that follow, a few per task.
 *
 * Opening the chat starts a dozen reads in one go (communities, the conversation's members,
 * roles, emoji, blocks, warnings, announcements…). Each `fetch()` call costs the main thread
 * 1–2 ms on a phone-class CPU, and made in the task that draws the screen they lengthened it by
 * a quarter (bench:lighthouse, the chat's longest task). Past the first `PER_TASK` of a task,
 * a request waits for the next task, which starts at once when nothing else is queued: it adds
 * no timer and no measurable latency, and the order of requests is kept.
 */
const PER_TASK = 2;

let used = 0;
let resetQueued = false;
const waiting: (() => void)[] = [];

interface PostTask {
  postTask?(callback: () => void, options: { priority: 'user-blocking' }): Promise<unknown>;
}

/** Runs `run` in a task of its own after this one (not a timer: no clamping, not throttled like one). */
export function nextTask(run: () => void): void {
  const scheduler = (globalThis as { scheduler?: PostTask }).scheduler;
  if (scheduler?.postTask) {
    void scheduler.postTask(run, { priority: 'user-blocking' });
    return;
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    run();
  };
  channel.port2.postMessage(null);
}

function newTask(): void {
  used = 0;
  resetQueued = false;
  while (waiting.length > 0 && used < PER_TASK) {
    used++;
    waiting.shift()!();
  }
  if (used > 0) queueReset();
}

function queueReset(): void {
  if (resetQueued) return;
  resetQueued = true;
  nextTask(newTask);
}

/** Undefined when a request may start in this task; otherwise a promise settled in the task where it may. */
export function taskSlot(): Promise<void> | undefined {
  if (used < PER_TASK && waiting.length === 0) {
    used++;
    queueReset();
    return undefined;
  }
  queueReset();
  return new Promise((resolve) => waiting.push(resolve));
}
