// tests/web/lib.mjs: what the browser runs of test_web_ui.sh share (the
// browser, pages that record every request, login without a second
// factor, TAP-like checks).
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.MNS_WEB_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

export const base = process.env.MNS_WEB_BASE;
export const shots = process.env.MNS_WEB_SHOTS;
mkdirSync(shots, { recursive: true });

export const run = { failed: 0, requests: [], lastPage: null };
export function check(what, cond, detail) {
  if (cond) console.log(`ok - ${what}`);
  else { run.failed++; console.log(`not ok - ${what}${detail ? ` (${detail})` : ""}`); }
}

export const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
// the dev server's own certificate; TLS itself is checked by it.test_https and testssl
export async function newPage(options) {
  const context = await browser.newContext(Object.assign({ ignoreHTTPSErrors: true, locale: "ja-JP", acceptDownloads: true }, options));
  const page = await context.newPage();
  page.on("request", (r) => run.requests.push(r.url()));
  run.lastPage = page;
  return { context, page };
}
export async function login(page, user, password) {
  await page.goto(base + "/#/login");
  await page.fill("#user", user);
  await page.fill("#password", password);
  await page.click("#login-submit");
  await page.waitForSelector("#logout:not([hidden])");
}
/* the text, or an input's value, anywhere in the page */
export async function domHas(page, text) {
  return page.evaluate((s) => document.documentElement.outerHTML.includes(s) ||
    [...document.querySelectorAll("input, textarea")].some((i) => i.value.includes(s)), text);
}
/* the end of a run: no request to another origin, a screenshot if it stopped */
export async function finish(name, error) {
  if (error) {
    run.failed++;
    console.log(`not ok - the ${name} run stopped: ${error.message.split("\n")[0]}`);
    if (run.lastPage) await run.lastPage.screenshot({ path: `${shots}/${name}-failure.png`, fullPage: true }).catch(() => {});
  } else {
    const foreign = run.requests.filter((u) => !u.startsWith(base + "/") && !u.startsWith("data:"));
    check(`no request of the ${name} run went to another origin`, foreign.length === 0, foreign.slice(0, 3).join(" "));
  }
  await browser.close();
  process.exit(run.failed ? 1 : 0);
}
