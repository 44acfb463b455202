/**
 * How much video each device sends to each peer as a mesh grows (issue #14 item 4). In a mesh
 * every device uploads its camera once per peer, so the uplink a call needs grows with its size;
 * the policy keeps a device's total camera upload near CAMERA_BUDGET and scales the picture down
 * with it, so a 10-person call stays usable on an ordinary home uplink:
 *
 *   participants  per-peer camera  resolution     total camera upload
 *        2           1.5 Mbit/s       full           1.5 Mbit/s
 *        4           833 kbit/s       ÷1.5           2.5 Mbit/s
 *       10           278 kbit/s       ÷2             2.5 Mbit/s
 *       25           150 kbit/s       ÷4             3.6 Mbit/s (the floor)
 *
 * A shared screen gets twice the camera's budget (text must stay legible); audio is never capped.
 */
export const CAMERA_BUDGET = 2_500_000;
const CAMERA_MAX = 1_500_000;
const CAMERA_MIN = 150_000;
const SCREEN_MAX = 2_500_000;
const SCREEN_MIN = 400_000;

export interface BitratePolicy {
  cameraBitrate: number;
  cameraScaleDown: number;
  screenBitrate: number;
}

/** The policy for a call of `participants` devices (this one included). */
export function bitratePolicy(participants: number): BitratePolicy {
  const peers = Math.max(1, participants - 1);
  const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)));
  return {
    cameraBitrate: clamp(CAMERA_BUDGET / peers, CAMERA_MIN, CAMERA_MAX),
    cameraScaleDown: participants <= 2 ? 1 : participants <= 4 ? 1.5 : participants <= 10 ? 2 : 4,
    screenBitrate: clamp((2 * CAMERA_BUDGET) / peers, SCREEN_MIN, SCREEN_MAX),
  };
}
