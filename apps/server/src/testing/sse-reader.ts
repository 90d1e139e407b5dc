/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Opens `url` as an event stream with `fetch` and collects its events (and comment
 * lines) as they arrive, until `close()` — the raw wire format, for tests of the REST
 * stream.
 *
 * @example
 * const stream = await openEventStream(`${url}/api/v1/feeds/user/ana/stream`, { authorization });
 * await waitFor(() => stream.events.length > 0);
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  const reading = (async () => {
    if (!response.ok || response.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { data: '' };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              event.data = line.slice(6);
              isEvent = true;
            }
          }
          if (isEvent) events.push(event);
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
    }
  })();
  return {
    response,
    events,
    comments,
    /** Parsed `data` of the events that carry a message. */
    messages: () =>
      events.filter((e) => e.event === undefined).map((e) => JSON.parse(e.data) as MessageLike),
    get ended() {
      return ended;
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

export interface MessageLike {
  id: string;
  type: string;
  feed: string;
  [key: string]: unknown;
}

export type EventStream = Awaited<ReturnType<typeof openEventStream>>;
