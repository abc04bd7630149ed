/**
 * The tab's title: who is calling while it rings (a tab in the background still shows it), else the unread
 * count. It is a function of both, so when the ringing stops the title is what it would have been.
 */
export const APP_TITLE = 'Tincan';

export function pageTitle(unread: number, ringingFrom: string | null): string {
  if (ringingFrom !== null) return `📞 ${ringingFrom} is calling — ${APP_TITLE}`;
  return unread > 0 ? `(${unread}) ${APP_TITLE}` : APP_TITLE;
}
