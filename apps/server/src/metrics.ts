import cluster from 'node:cluster';
import { countEventsAfter, readCheckpoint, START } from '@tideline/event-store';
import { createFanoutQueue } from '@tideline/fanout';
import type { FeedsConfig } from '@tideline/feeds';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { clusterMetrics } from './cluster.js';

/**
 * Prometheus metrics (`prom-client`): request latency by route, plus what the workers do
 * read from the stores they share — the feed projector's lag behind the log and the
 * fan-out queue's depth — measured at scrape time, so any server process reports them.
 * Under a cluster primary (`SERVER_PROCESSES` > 1) a scrape returns every process's
 * metrics merged: latencies and counters summed, the store readings taken once (`max`).
 */
export function createMetrics(deps: {
  db: Kysely<unknown>;
  redis: Redis;
  config: FeedsConfig;
  /** This process's live subscriptions and the Redis channels they share. */
  watchStats?: () => { listeners: number; channels: number };
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (cluster.isWorker) {
    // Constructing one makes prom-client answer the primary's requests for this process's
    // metrics; they are taken from this registry.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries(registry);
  }
  const duration = new Histogram({
    name: 'tideline_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'tideline_projector_lag_events',
    help: 'Events in the log the feed projector has not applied yet',
    registers: [registry],
    aggregator: 'max',
    async collect() {
      const checkpoint = await readCheckpoint(deps.db, 'feeds');
      this.set(await countEventsAfter(deps.db, checkpoint ?? START));
    },
  });
  const { watchStats } = deps;
  if (watchStats !== undefined) {
    new Gauge({
      name: 'tideline_watch_listeners',
      help: 'Live feed subscriptions on this process (channel listeners: a timeline counts its followed feeds)',
      registers: [registry],
      collect() {
        this.set(watchStats().listeners);
      },
    });
    new Gauge({
      name: 'tideline_watch_channels',
      help: 'Redis pub/sub channels this process subscribes to for its live subscriptions',
      registers: [registry],
      collect() {
        this.set(watchStats().channels);
      },
    });
  }
  // Created on the first scrape, so a server nobody scrapes opens no queue connection.
  let queue: ReturnType<typeof createFanoutQueue> | undefined;
  new Gauge({
    name: 'tideline_fanout_queue_depth',
    help: 'Fan-out jobs waiting, delayed or running',
    registers: [registry],
    aggregator: 'max',
    async collect() {
      queue ??= createFanoutQueue({ connection: deps.redis, config: deps.config });
      this.set(await queue.depth());
    },
  });

  /** Times every request; the label is the matched route template, never the raw URL. */
  const observe: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      end({
        method: req.method,
        route: routeOf(req.baseUrl, req.route?.path, req.path),
        status: res.statusCode,
      });
    });
    next();
  };

  return {
    observe,
    async handler(): Promise<{ contentType: string; body: string }> {
      if (cluster.isWorker) return clusterMetrics();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close: async () => {
      await queue?.close();
    },
  };
}

/** A bounded label: REST paths collapse their ids, tRPC keeps its procedure names. */
function routeOf(baseUrl: string, routePath: unknown, path: string): string {
  if (typeof routePath === 'string') return `${baseUrl}${routePath}`;
  if (baseUrl === '/trpc') return `/trpc/${path.slice(1).split(',').slice(0, 5).join(',')}`;
  if (baseUrl === '/api/v1') {
    return `/api/v1${path
      .replace(/^\/feeds\/[^/]+\/[^/]+/, '/feeds/{group}/{id}')
      .replace(/\/activities\/[^/]+$/, '/activities/{activityId}')
      .replace(/\/follows\/[^/]+\/[^/]+$/, '/follows/{targetGroup}/{targetId}')}`;
  }
  return baseUrl === '' ? 'other' : baseUrl;
}
