// How prog's messages name a URL a user gave it: webhook URLs carry their secret in the path, and
// any URL may carry one in its user info or query, so messages show the scheme and host only.

/** `https://hooks.slack.com/…`: what a message may say of `url`; `fallback` when it is no URL. */
export function safeOrigin(url: string, fallback = 'the URL'): string {
  try {
    const parsed = new URL(url);
    const more = parsed.pathname.length > 1 || parsed.search !== '' || parsed.username !== '' ? '/…' : '';
    return `${parsed.protocol}//${parsed.host}${more}`;
  } catch {
    return fallback;
  }
}
