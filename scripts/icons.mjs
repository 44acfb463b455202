#!/usr/bin/env node
/**
 * Renders the PNG app icons the web app manifest lists from client/public/icon.svg, in Debian's
 * Chromium through playwright-core: 192 and 512 px, and a 512-px maskable icon whose artwork sits
 * in the central 80 % safe zone on a full-bleed background. Run it after changing the SVG
 * (`node scripts/icons.mjs`) and commit the PNGs; builds and installs never run it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './build.mjs';

const svg = readFileSync(join(ROOT, 'client/public/icon.svg'), 'utf8');
const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const ICONS = [
  { file: 'icon-192.png', size: 192, inset: 0, background: 'transparent' },
  { file: 'icon-512.png', size: 512, inset: 0, background: 'transparent' },
  { file: 'icon-maskable-512.png', size: 512, inset: 0.1, background: '#4f46e5' },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  for (const icon of ICONS) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
    const pad = Math.round(icon.size * icon.inset);
    await page.setContent(`<body style="margin:0;background:${icon.background}"><img src="${src}" style="display:block;margin:${pad}px;width:${icon.size - 2 * pad}px;height:${icon.size - 2 * pad}px"></body>`);
    await page.screenshot({ path: join(ROOT, 'client/public', icon.file), omitBackground: icon.background === 'transparent' });
    await page.close();
    console.log(`wrote client/public/${icon.file}`);
  }
} finally {
  await browser.close();
}
