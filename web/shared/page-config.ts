/**
 * What the gateway tells a page (a JSON `<script id="ui-config">` it renders into the HTML):
 * where the GraphQL endpoint is and, for GraphiQL, the URLs of Monaco's worker bundles.
 */
export interface PageConfig {
  /** Path of the GraphQL endpoint, HTTP and WebSocket (`/graphql`). */
  readonly graphqlPath: string;
  /** GraphiQL only: worker label (`editor`, `json`, `graphql`) → script URL. */
  readonly workers?: Readonly<Record<string, string>>;
  /** Progress page only: the execution id from the URL path, as the server decoded it. */
  readonly executionId?: string;
}

export function readPageConfig(): PageConfig {
  const element = document.getElementById('ui-config');
  const parsed: unknown = JSON.parse(element?.textContent ?? '{}');
  const config = (parsed ?? {}) as Partial<PageConfig>;
  return { ...config, graphqlPath: config.graphqlPath ?? '/graphql' };
}

/** `http://host/graphql` and `ws://host/graphql` (wss: behind https). */
export function endpoints(graphqlPath: string): { http: string; ws: string } {
  const http = new URL(graphqlPath, window.location.href);
  const ws = new URL(http);
  ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';
  return { http: http.href, ws: ws.href };
}

const KEY_STORAGE = 'execution-gateway:authorization';

/**
 * The gateway API key, when the gateway requires one (GATEWAY_API_KEYS): given once in the URL
 * fragment (`#key=…`, never sent to the server), kept for the tab in sessionStorage, removed from
 * the address bar. Returns the `Authorization` header value, or undefined.
 */
export function gatewayAuthorization(): string | undefined {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const key = fragment.get('key');
  if (key) {
    sessionStorage.setItem(KEY_STORAGE, `Bearer ${key}`);
    fragment.delete('key');
    const rest = fragment.toString();
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  }
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}
