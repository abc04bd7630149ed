/**
 * Renders the app icons (client/public/icons/*.png) from the same drawing as favicon.svg, with Debian's
 * Chromium: `npx tsx client/build/render-icons.ts`. Run it again only when the drawing changes; the PNGs are
 * committed so that a build needs no browser. The maskable icon fills its square and keeps the glyph inside
 * the central safe circle that launchers may crop to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const OUT = fileURLToPath(new URL('../public/icons/', import.meta.url));
const GLYPH = '<path d="M9 11h14v3h-5.5v10h-3V14H9z" fill="#fff"/>';
const ROUNDED = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#2f6fde"/>${GLYPH}</svg>`;
const MASKABLE = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" fill="#2f6fde"/><g transform="translate(16 17.5) scale(0.7) translate(-16 -17.5)">${GLYPH}</g></svg>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
try {
  mkdirSync(OUT, { recursive: true });
  for (const [name, svg, size] of [
    ['icon-192.png', ROUNDED, 192],
    ['icon-512.png', ROUNDED, 512],
    ['maskable-512.png', MASKABLE, 512],
  ] as const) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    writeFileSync(`${OUT}${name}`, await page.screenshot({ omitBackground: true, type: 'png' }));
    await page.close();
  }
} finally {
  await browser.close();
}
