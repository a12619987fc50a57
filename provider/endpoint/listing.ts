/**
 * Finding endpoints. Wacht has no route to get one endpoint: the provider lists the app's endpoints
 * (inactive ones included) page by page. Within one provider process, reads of endpoints of the same
 * app share the pages, so refreshing N endpoints of an app costs ceil(N/100) list calls, not N walks.
 */
import type { WebhooksApi } from "../client";
import type { ApiEndpoint } from "./schema";

const PAGE_SIZE = 100;
/** Pages are shared by the reads of one refresh; writes to the app drop them at once. */
const TTL_MS = 30_000;

interface Page {
  data: ApiEndpoint[];
  has_more?: boolean;
}

interface Listing {
  createdAt: number;
  pages: Array<Promise<Page> | undefined>;
}

const listings = new Map<string, Listing>();

function listing(app: string): Listing {
  const existing = listings.get(app);
  if (existing && Date.now() - existing.createdAt < TTL_MS) return existing;
  const fresh: Listing = { createdAt: Date.now(), pages: [] };
  listings.set(app, fresh);
  return fresh;
}

function page(api: WebhooksApi, app: string, current: Listing, index: number): Promise<Page> {
  let pending = current.pages[index];
  if (!pending) {
    pending = api.listWebhookEndpoints(app, {
      limit: PAGE_SIZE,
      offset: index * PAGE_SIZE,
      include_inactive: true,
    } as never) as Promise<Page>;
    current.pages[index] = pending;
    // A failed page is not kept: the next read asks again.
    pending.catch(() => {
      if (current.pages[index] === pending) current.pages[index] = undefined;
    });
  }
  return pending;
}

/** The endpoint with this id in the app, or undefined when Wacht no longer has it. */
export async function findEndpoint(
  api: WebhooksApi,
  app: string,
  endpointId: string,
): Promise<ApiEndpoint | undefined> {
  const current = listing(app);
  for (let index = 0; ; index++) {
    const { data, has_more } = await page(api, app, current, index);
    const found = data.find((e) => String(e.id) === endpointId);
    if (found) return found;
    if (!has_more || data.length === 0) return undefined;
  }
}

/**
 * Every endpoint of the app, inactive ones included. `fresh` reads Wacht now, sharing no page read
 * earlier: what settles a create whose answer was lost must see that create.
 */
export async function listAllEndpoints(
  api: WebhooksApi,
  app: string,
  options: { fresh?: boolean } = {},
): Promise<ApiEndpoint[]> {
  const current: Listing = options.fresh ? { createdAt: Date.now(), pages: [] } : listing(app);
  const all: ApiEndpoint[] = [];
  for (let index = 0; ; index++) {
    const { data, has_more } = await page(api, app, current, index);
    all.push(...data);
    if (!has_more || data.length === 0) return all;
  }
}

/** Drops the app's shared pages: called before every write to its endpoints. */
export function forgetListing(app: string): void {
  listings.delete(app);
}
