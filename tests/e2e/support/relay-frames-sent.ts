/**
 * Counts the relay frames a page sends that name a given recipient (a SEND carries the recipient's key), read
 * from the page's own WebSocket through the DevTools protocol. Unlike the relay's totals it is not moved by
 * anyone else's traffic, such as the other page's presence pings.
 */
import type { Page } from 'playwright-core';

export interface FramesSent {
  count(): number;
  stop(): Promise<void>;
}

export async function relayFramesSentTo(page: Page, recipient: Uint8Array): Promise<FramesSent> {
  const cdp = await page.context().newCDPSession(page);
  const needle = Buffer.from(recipient);
  let count = 0;
  cdp.on('Network.webSocketFrameSent', ({ response }) => {
    if (response.opcode === 2 && Buffer.from(response.payloadData, 'base64').includes(needle)) count++;
  });
  await cdp.send('Network.enable');
  return { count: () => count, stop: () => cdp.detach() };
}
