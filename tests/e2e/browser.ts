/**
 * Launches Debian's Chromium through playwright-core with the flags this machine needs: headless,
 * no sandbox (CI runs as root), no GPU, and no background networking (the machine has no
 * network, and the product must not phone home anyway). Calls (issue #14) get Chromium's fake
 * camera and microphone (a test pattern and a tone) with permission granted, and may play audio
 * without a gesture.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs`: more Chromium flags (e.g. a host-resolver rule naming a LAN host). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
}
