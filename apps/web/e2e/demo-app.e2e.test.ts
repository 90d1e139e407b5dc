import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations } from './accessibility';
import { artifacts, DEADLINE_MS, launchChromium } from './browser';
import { startDemoStack } from './demo-stack';

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
    await ben
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'People' })
      .click();
    await shown(ben.getByRole('button', { name: 'Follow Ana Ruiz' }));
    await snap(ben, '1-ben-phone-people');
    await ben
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('button', { name: 'Home' })
      .click();
    await shown(ben.getByLabel('What’s happening?'));
    await snap(ana, '1-ana-home');
    await snap(ben, '1-ben-phone-home');
  });

  it('has no WCAG 2.1 A/AA violations that axe-core finds, on desktop and on the phone', async () => {
    expect(await accessibilityViolations(ana)).toEqual([]);
    expect(await accessibilityViolations(ben)).toEqual([]);
  });

  it('lets Ana follow Ben: his posts join her timeline, and his bell rises live', async () => {
    await ana.getByRole('button', { name: 'Follow Ben Okafor' }).click();

    await shown(ana.getByRole('button', { name: 'Unfollow Ben Okafor' }));
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

  it('clears Ben’s bell count when he opens it (seen) and marks the groups read on request, by keyboard', async () => {
    await bell(ben).focus();
    await ben.keyboard.press('Enter');

    await shown(ben.getByRole('button', { name: 'Notifications', exact: true }));
    await shown(ben.getByRole('button', { name: /Ana Ruiz followed you/ }));
    await snap(ben, '3-ben-phone-notifications');
    expect(await accessibilityViolations(ben)).toEqual([]);
    await ben.getByRole('button', { name: 'Mark all as read' }).click();
    await gone(ben.locator('.notifications .unread').first());
    await ben.keyboard.press('Escape');
    await gone(ben.getByRole('region', { name: 'Notifications' }));
    // Escape hands focus back to the bell.
    expect(await bell(ben).evaluate((element) => element === document.activeElement)).toBe(true);
  });

  it('keeps follows, posts, and seen and read notifications across reloads', async () => {
    await Promise.all([ana.reload(), ben.reload()]);

    await shown(ana.getByRole('button', { name: 'Unfollow Ben Okafor' }));
    await shown(ana.getByRole('article', { name: /Hello from Ben, @ana!/ }));
    await shown(ben.getByRole('heading', { name: 'Home', level: 1 }));
    await shown(ben.getByRole('button', { name: 'Notifications', exact: true }));
    await bell(ben).click();
    await shown(ben.getByRole('button', { name: /Ana Ruiz followed you/ }));
    expect(await ben.locator('.notifications .unread').count()).toBe(0);
  });

  it('drops a deleted post from Ana’s timeline live, and Ben’s posts when she unfollows him', async () => {
    const page = (await (await stack.request('/api/v1/feeds/user/ben/activities')).json()) as {
      results: { id: string; extra: { text?: string } }[];
    };
    const hello = page.results.find((activity) => activity.extra.text === 'Hello from Ben, @ana!');
    expect(hello).toBeDefined();

    const removed = await stack.request(`/api/v1/feeds/user/ben/activities/${hello?.id}`, {
      method: 'DELETE',
    });

    expect(removed.status).toBe(200);
    await gone(ana.getByRole('article', { name: /Hello from Ben, @ana!/ }));
    await ana.getByRole('button', { name: 'Unfollow Ben Okafor' }).click();
    await shown(ana.getByRole('button', { name: 'Follow Ben Okafor' }));
    await gone(ana.getByRole('article', { name: /Redis sorted sets are underrated/ }));
  });
});

describe('the demo app when things go wrong, or go on', () => {
  it('loads older posts as the end of the timeline scrolls into view', async () => {
    const posts = Array.from({ length: 30 }, (_, n) => ({
      actor: 'eli',
      verb: 'post',
      object: `post:eli-scroll-${n}`,
      extra: { text: `Scroll post ${n}` },
    }));
    const added = await stack.request('/api/v1/feeds/user/eli/activities/batch', {
      method: 'POST',
      body: JSON.stringify({ activities: posts }),
    });
    expect(added.status).toBe(200);
    await stack.harness.quiesce();
    const eli = await openAs('Eli Novak', { width: 1280, height: 800 });
    const articles = eli.getByRole('article');
    await shown(articles.nth(19));
    expect(await articles.count()).toBe(20);

    await eli.getByRole('button', { name: 'Load older posts' }).scrollIntoViewIfNeeded();

    await shown(articles.nth(30));
  });

  it('says when the browser is offline, and goes live again when it is back', async () => {
    const dev = await openAs('Dev Mehta', { width: 1280, height: 800 });
    await live(dev);

    await dev.context().setOffline(true);
    await shown(dev.getByText('You are offline.'));
    await snap(dev, '4-dev-offline');
    await dev.context().setOffline(false);

    await gone(dev.getByText('You are offline.'));
    await live(dev);
  });

  it('says when the server refuses the session (401), and signs in again', async () => {
    const context = await browser.newContext({ baseURL: stack.url });
    contexts.push(context);
    // The demo sign-in hands out a token whose signature the server will not accept.
    await context.route('**/demo/token', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { token: string; expiresAt: string };
      const forged = `${body.token.slice(0, body.token.lastIndexOf('.'))}.AAAA`;
      await route.fulfill({ response, json: { ...body, token: forged } });
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`401: ${error.message}`));
    await page.goto('/');
    await page.getByRole('button', { name: 'Continue as Cleo Park' }).click();

    await shown(page.getByRole('alert').filter({ hasText: 'Your session was refused (401)' }));
    await snap(page, '5-cleo-401');
    await context.unroute('**/demo/token');
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await page.getByRole('button', { name: 'Continue as Cleo Park' }).click();

    await shown(page.getByRole('article', { name: /Timelines are just projections of a log/ }));
    await gone(page.getByText('Your session was refused (401)'));
  });

  it('says when the user is over the rate limit (429) and how long to wait', async () => {
    const limited = await startDemoStack('web-e2e-429', {
      rateLimits: { userPerMinute: 3, serverPerMinute: 0 },
    });
    try {
      const context = await browser.newContext({ baseURL: limited.url });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto('/');
      await page.getByRole('button', { name: 'Continue as Ana Ruiz' }).click();

      await shown(
        page.getByRole('alert').filter({ hasText: /Too many requests \(429\)\. Wait \d+ s/ }),
      );
      await snap(page, '6-ana-429');
      await context.close();
    } finally {
      await limited.close();
    }
  });

  it('raised no script errors in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
