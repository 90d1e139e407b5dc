import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** Screenshots the browser tests take, kept as test artifacts (git-ignored). */
export const artifacts = fileURLToPath(new URL('../test-artifacts/e2e/', import.meta.url));

/** How long a condition may take to hold in a browser test: generous, since CI shares two cores. */
export const DEADLINE_MS = 15_000;

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a machine without outside network: no GPU, no QUIC, and none of the
 * background fetches (updates, sync, first-run) Chromium would otherwise try.
 */
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium over CDP with a fresh temporary profile (Playwright creates its
 * `--user-data-dir` and removes it on close).
 *
 * @example
 * const browser = await launchChromium();
 * const ana = await browser.newContext();
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: flags,
    timeout: 60_000,
  });
}
