import { mkdir } from 'node:fs/promises';
import { startTestServer, type TestServer } from '@tideline/test-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, DEADLINE_MS, launchChromium } from './browser';

/**
 * Where the page is opened. Swagger UI behaves differently on `localhost` and `127.0.0.1`
 * (it leaves out its online validator badge, an image from validator.swagger.io), so the
 * page is opened as production serves it — under a public name, over HTTPS — and routing
 * answers that name from the test server.
 */
const DOCS_ORIGIN = 'https://docs.tideline.test';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The parts of the OpenAPI document this test reads. */
interface OpenApiDocument {
  info: { title: string; version: string };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], OperationObject>>>;
}
interface OperationObject {
  summary?: string;
  parameters?: { name: string; in: string }[];
}

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let document: OpenApiDocument;
/** Requests the page attempted to anywhere but the test server (all aborted). */
const outsideRequests: string[] = [];
/** Script errors, and console errors (failed loads, CSP refusals…). */
const errors: string[] = [];

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startTestServer('web-docs-e2e'), launchChromium()]);
  const response = await fetch(`${server.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;

  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // A request the page's CSP refuses never reaches the network, nor this route: Chromium
  // reports it as a console error instead, which `errors` collects.
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== DOCS_ORIGIN) {
      outsideRequests.push(url.href);
      return route.abort('blockedbyclient');
    }
    const response = await route.fetch({
      url: `${server.url}${url.pathname}${url.search}`,
      maxRedirects: 0,
    });
    return route.fulfill({ response });
  });
  page = await context.newPage();
  page.setDefaultTimeout(DEADLINE_MS);
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

/** Every operation of the document, as `METHOD /path — summary`, sorted. */
function documentedOperations(): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item[method];
        return operation ? [`${method.toUpperCase()} ${path} — ${operation.summary ?? ''}`] : [];
      }),
    )
    .sort();
}

/** Every operation block visible on the page, as `METHOD /path — summary`, sorted. */
function renderedOperations(): Promise<string[]> {
  return page.locator('.opblock').evaluateAll((blocks) =>
    blocks
      .filter((block) => block.checkVisibility())
      .map((block) => {
        const text = (selector: string) => block.querySelector(selector)?.textContent?.trim();
        return `${text('.opblock-summary-method')} ${text('.opblock-summary-path')} — ${text('.opblock-summary-description') ?? ''}`;
      })
      .sort(),
  );
}

describe('the API docs page (/docs) in Chromium, offline', () => {
  it('renders every operation of the served OpenAPI document, with its method, path and summary', async () => {
    const operations = documentedOperations();
    expect(operations.length).toBeGreaterThan(0);

    await page.goto(`${DOCS_ORIGIN}/docs/`);

    await expect.poll(renderedOperations, { timeout: DEADLINE_MS }).toEqual(operations);
    await page.screenshot({ path: `${artifacts}docs-1-operations.png`, fullPage: true });
  });

  it('renders the document’s title and version', async () => {
    const title = page.locator('.information-container .title');

    await title.waitFor({ state: 'visible' });

    expect(await title.textContent()).toContain(document.info.title);
    expect(await title.textContent()).toContain(document.info.version);
  });

  it('shows the parameters of “Read a feed” when it is expanded', async () => {
    const path = '/feeds/{group}/{id}/activities';
    const readAFeed = page.locator('.opblock-get', {
      has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
    });

    await readAFeed.locator('.opblock-summary-control').click();

    const rows = readAFeed.locator('.parameters tr[data-param-name]');
    await rows.first().waitFor({ state: 'visible' });
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => `${tr.dataset.paramName} (${tr.dataset.paramIn})`),
    );
    expect(shown).toEqual([
      'group (path)',
      'id (path)',
      'limit (query)',
      'cursor (query)',
      'minPosition (query)',
    ]);
    const documented = document.paths[path]?.get?.parameters ?? [];
    expect(shown).toEqual(documented.map((parameter) => `${parameter.name} (${parameter.in})`));
    await readAFeed.evaluate((block) => block.scrollIntoView());
    await page.screenshot({ path: `${artifacts}docs-2-read-a-feed.png` });
  });

  it('asked for nothing outside the server (no CDN, fonts or telemetry) and raised no errors', () => {
    expect(outsideRequests).toEqual([]);
    expect(errors).toEqual([]);
  });
});
