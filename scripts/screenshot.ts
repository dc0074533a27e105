/**
 * Developer tool: a headless Chromium screenshot of a page, to look at the editor or a dashboard
 * as a user would. `tsx scripts/screenshot.ts <url> <out.png> [css selector to wait for]`.
 * Uses Debian's /usr/bin/chromium (never downloads a browser).
 */
import { chromium } from "playwright-core";

async function main(): Promise<void> {
  const [url, out, selector] = process.argv.slice(2);
  if (!url || !out) throw new Error("usage: tsx scripts/screenshot.ts <url> <out.png> [selector]");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url, { waitUntil: "domcontentloaded" });
    if (selector) await page.locator(selector).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2000);
    await page.screenshot({ path: out });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
