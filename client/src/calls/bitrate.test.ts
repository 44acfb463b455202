import { describe, expect, it } from 'vitest';
import { bitratePolicy, CAMERA_BUDGET } from './bitrate';

describe('the call bitrate policy (issue #14 item 4)', () => {
  it('keeps the total camera upload near the budget as the mesh grows, with a floor per peer', () => {
    expect(bitratePolicy(2)).toEqual({ cameraBitrate: 1_500_000, cameraScaleDown: 1, screenBitrate: 2_500_000 });
    for (const n of [4, 6, 10]) expect(bitratePolicy(n).cameraBitrate * (n - 1)).toBeLessThanOrEqual(CAMERA_BUDGET + n);
    expect(bitratePolicy(10).cameraScaleDown).toBe(2);
    expect(bitratePolicy(25)).toMatchObject({ cameraBitrate: 150_000, cameraScaleDown: 4, screenBitrate: 400_000 });
  });
});
