import puppeteer, { type Browser } from 'puppeteer-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../lib/local/chromium.ts';

/** Real headless Chromium (Debian's, installed at first use), driven over the DevTools protocol. */
export const launchBrowser = async (): Promise<Browser> => {
  const executablePath = await ensureChromium((line) => console.error(line));
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    defaultViewport: { width: 1400, height: 900 },
  });
};
