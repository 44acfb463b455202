/**
 * Draws its children a task after the screen around it: parts not needed for the first picture
 * (closed dialogs, the navigation drawer a phone keeps off-screen) then do not lengthen the
 * task that draws it. On a phone-class CPU every task past 12.5 ms blocks input for a while
 * (bench:lighthouse); the next task starts at once, so nothing waits for a timer.
 */
import { createSignal, onCleanup, Show, type JSX } from 'solid-js';
import { nextTask } from '../api/taskSlot';

export function Later(props: { children: JSX.Element }) {
  const [made, setMade] = createSignal(false);
  let live = true;
  nextTask(() => live && setMade(true));
  onCleanup(() => (live = false));
  return <Show when={made()}>{props.children}</Show>;
}
