import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { startDemoStack } from './demo-stack';

/** Screenshots of each step, kept as test artifacts (git-ignored). */
const artifacts = fileURLToPath(new URL('../test-artifacts/e2e/', import.meta.url));

/** How long a condition may take to hold: generous, since CI shares two cores. */
const DEADLINE_MS = 15_000;

/** Waits until the locator is visible (Playwright polls; fails after the deadline). */
const shown = (locator: Locator) => locator.waitFor({ state: 'visible', timeout: DEADLINE_MS });
const gone = (locator: Locator) => locator.waitFor({ state: 'hidden', timeout: DEADLINE_MS });

let stack: Awaited<ReturnType<typeof startDemoStack>>;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  [stack, browser] = await Promise.all([startDemoStack('web-e2e'), launchChromium()]);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await stack?.close();
});

async function openAs(name: string, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, baseURL: stack.url });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
  page.setDefaultTimeout(DEADLINE_MS);
  await page.goto('/');
  await page.getByRole('button', { name: `Continue as ${name}` }).click();
  await shown(page.getByRole('heading', { name: 'Home', level: 1 }));
  return page;
}

const bell = (page: Page) => page.getByRole('button', { name: /^Notifications/ });
const snap = (page: Page, name: string) =>
  page.screenshot({ path: `${artifacts}${name}.png`, fullPage: false });

const live = (page: Page) => shown(page.getByText('Live updates: live'));

describe('the demo app in Chromium, as two users', () => {
  let ana: Page;
  let ben: Page;

  it('signs each in as a demo user, live, with their timeline and bell (Ben on a 390px phone)', async () => {
    ana = await openAs('Ana Ruiz', { width: 1280, height: 800 });
    ben = await openAs('Ben Okafor', { width: 390, height: 844 });

    await Promise.all([live(ana), live(ben)]);
    // Ana follows Cleo in the demo data, so Cleo's posts are in her timeline.
    await shown(ana.getByRole('article', { name: /Timelines are just projections of a log/ }));
    // Cleo follows Ben: one unseen notification.
    await shown(ben.getByLabel('Notifications, 1 unseen'));
    // On a phone, People is a tab of its own.
    expect(await ben.getByRole('heading', { name: 'People' }).isVisible()).toBe(false);
    await snap(ana, '1-ana-home');
    await snap(ben, '1-ben-phone-home');
  });

  it('lets Ana follow Ben: his posts join her timeline, and his bell rises live', async () => {
    const follow = ana.getByRole('button', { name: 'Follow Ben Okafor' });
    expect(await follow.getAttribute('aria-pressed')).toBe('false');

    await follow.click();

    await shown(ana.getByRole('button', { name: 'Follow Ben Okafor', pressed: true }));
    await shown(ana.getByRole('article', { name: /Redis sorted sets are underrated/ }));
    await shown(ben.getByLabel('Notifications, 2 unseen'));
    await shown(ben.getByText('2 unseen notifications'));
  });

  it('shows Ben his own post at once, and Ana a "1 new post" banner live instead of a jumping list', async () => {
    const post = /Hello from Ben, @ana!/;
    await ben.getByLabel('What’s happening?').fill('Hello from Ben, @ana!');
    await ben.getByRole('button', { name: 'Post' }).click();

    await shown(ben.getByRole('article', { name: /You: Hello from Ben, @ana!/ }));
    const banner = ana.getByRole('button', { name: '1 new post — show' });
    await shown(banner);
    expect(await ana.getByRole('article', { name: post }).count()).toBe(0);
    // The mention reached Ana's bell too, live.
    await shown(ana.getByLabel('Notifications, 2 unseen'));
    await snap(ana, '2-ana-new-posts-banner');

    await banner.click();

    await shown(ana.getByRole('article', { name: post }));
    await gone(banner);
    await snap(ben, '2-ben-phone-posted');
  });

  it('clears Ben’s bell count when he opens it (seen) and marks the groups read on request', async () => {
    await bell(ben).click();

    await shown(ben.getByRole('button', { name: 'Notifications', exact: true }));
    await shown(ben.getByRole('button', { name: /Ana Ruiz followed you/ }));
    await snap(ben, '3-ben-phone-notifications');
    await ben.getByRole('button', { name: 'Mark all as read' }).click();
    await gone(ben.locator('.notifications .unread').first());
    await ben.keyboard.press('Escape');
    await gone(ben.getByRole('region', { name: 'Notifications' }));
  });

  it('keeps follows, posts, and seen and read notifications across reloads', async () => {
    await Promise.all([ana.reload(), ben.reload()]);

    await shown(ana.getByRole('button', { name: 'Follow Ben Okafor', pressed: true }));
    await shown(ana.getByRole('article', { name: /Hello from Ben, @ana!/ }));
    await shown(ben.getByRole('heading', { name: 'Home', level: 1 }));
    await shown(ben.getByRole('button', { name: 'Notifications', exact: true }));
    await bell(ben).click();
    await shown(ben.getByRole('button', { name: /Ana Ruiz followed you/ }));
    expect(await ben.locator('.notifications .unread').count()).toBe(0);
  });

  it('raised no script errors in either page', () => {
    expect(pageErrors).toEqual([]);
  });
});
