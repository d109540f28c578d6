// tests/web/e2e.mjs: the web UI end to end in headless Chromium (Debian's
// chromium, driven by playwright-core) against a real `mnsafe serve`, started
// by tests/integration/test_web_ui.sh, which passes:
//   MNS_WEB_BASE      https://127.0.0.1:PORT
//   MNS_WEB_CLERK_PW, MNS_WEB_AUDITOR_PW   the users' passwords (setup_tenant)
//   MNS_WEB_NUMBER, MNS_WEB_NUMBER_BAD     a valid number, the same with a wrong check digit
//   MNS_WEB_CSV       a CSV file with one good row and bad ones
//   MNS_WEB_SHOTS     where the screenshots go
// Prints one "ok - ..." or "not ok - ..." line per check; exits 1 if any failed.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.MNS_WEB_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

const base = process.env.MNS_WEB_BASE;
const number = process.env.MNS_WEB_NUMBER;
const badNumber = process.env.MNS_WEB_NUMBER_BAD;
const shots = process.env.MNS_WEB_SHOTS;
mkdirSync(shots, { recursive: true });
let failed = 0;
function check(what, cond, detail) {
  if (cond) console.log(`ok - ${what}`);
  else { failed++; console.log(`not ok - ${what}${detail ? ` (${detail})` : ""}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function totp(secret, offset) {
  const args = ["--totp", "-b", secret];
  if (offset) args.push("-N", `now + ${offset} seconds`);
  return execFileSync("oathtool", args, { encoding: "utf8" }).trim();
}
/* waits until the next 30-second TOTP step has begun: a code is accepted once */
async function nextTotpStep() {
  const ms = 30000 - (Date.now() % 30000) + 1500;
  await sleep(ms);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const requests = [];
let lastPage = null; /* for a screenshot if the run stops */
async function newPage(viewport) {
  // the dev server's own certificate; TLS itself is checked by it.test_https and testssl
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, locale: "ja-JP" });
  await context.addInitScript(() => localStorage.setItem("mnsafe.revealSeconds", "3"));
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  lastPage = page;
  return { context, page };
}
async function login(page, user, password, otpSecret) {
  await page.goto(base + "/#/login");
  await page.fill("#user", user);
  await page.fill("#password", password);
  await page.click("#login-submit");
  if (otpSecret) {
    await page.waitForSelector("#otp-row:not([hidden])");
    await page.fill("#otp", totp(otpSecret));
    await page.click("#login-submit");
  }
  await page.waitForSelector("#logout:not([hidden])");
}
/* whether the page's heading comes to hold the text: a view draws its heading
   once its data has come, after the menu and the logout button */
async function headingHas(page, text) {
  return page.waitForFunction((s) => (document.querySelector("h1")?.textContent || "").includes(s), text,
    { timeout: 10000 }).then(() => true, () => false);
}
async function domHas(page, text) {
  return page.evaluate((s) => document.documentElement.outerHTML.includes(s) ||
    [...document.querySelectorAll("input, textarea")].some((i) => i.value.includes(s)), text);
}

try {
  // ---- the clerk ----------------------------------------------------------------
  const { context, page } = await newPage({ width: 1280, height: 800 });
  const first = await page.goto(base + "/");
  const csp = first.headers()["content-security-policy"] || "";
  check("the page is served by mnsafe with a CSP that forbids other origins",
    first.status() === 200 && csp.includes("default-src 'none'") && csp.includes("script-src 'self'"), csp);
  await page.waitForSelector("#login-form");
  check("Japanese by default", (await page.textContent("h1")) === "ログイン" &&
    (await page.getAttribute("html", "lang")) === "ja");
  await page.screenshot({ path: `${shots}/01-login.png`, fullPage: true });

  await page.fill("#user", "clerk1");
  await page.fill("#password", "wrong-password-1");
  await page.click("#login-submit");
  await page.waitForSelector("#notice.error");
  check("a wrong password is refused with a message", (await page.textContent("#notice")).length > 0);

  await login(page, "clerk1", process.env.MNS_WEB_CLERK_PW);
  check("the clerk lands on the person list", await headingHas(page, "本人一覧"), await page.textContent("h1"));

  // enrolment in two-factor authentication by QR code
  await page.click("a[href='#/mfa']");
  await page.click("#mfa-start");
  await page.waitForSelector("#mfa-uri");
  const uri = await page.textContent("#mfa-uri");
  const secret = new URL(uri).searchParams.get("secret");
  check("the QR code and the otpauth URI are shown", !!secret && (await page.isVisible(".qr img")));
  await page.screenshot({ path: `${shots}/02-mfa-enrol.png`, fullPage: true });
  await page.fill("#mfa-code", totp(secret));
  await page.click("#mfa-confirm-form button[type=submit]");
  await page.waitForSelector("#mfa-done");
  check("two-factor authentication is turned on, recovery codes shown",
    (await page.locator("#mfa-area li").count()) >= 10);

  await page.click("#logout");
  await page.waitForSelector("#login-form");
  check("logging out says so", (await page.textContent("#notice")).includes("ログアウトしました"));
  await nextTotpStep();
  await login(page, "clerk1", process.env.MNS_WEB_CLERK_PW, secret);
  check("login with password and TOTP", (await page.textContent("#who")).includes("clerk1"));

  // add a person, with live check-digit feedback
  await page.click("#add-person");
  await page.waitForSelector("#person-form");
  await page.fill("#p-name", "画面 太郎");
  await page.fill("#p-code", "W0001");
  await page.fill("#p-number", badNumber);
  check("a wrong check digit is shown as you type",
    (await page.getAttribute("#number-feedback", "class")) === "bad" &&
    (await page.textContent("#number-feedback")).includes("チェックデジット"));
  await page.fill("#p-number", number.slice(0, 8));
  check("a short number says how many digits are missing", (await page.textContent("#number-feedback")).includes("あと4桁"));
  await page.fill("#p-number", number);
  check("the right number is confirmed", (await page.getAttribute("#number-feedback", "class")) === "ok");
  await page.check("#p-purposes input[value=withholding_slip]");
  await page.screenshot({ path: `${shots}/03-add-person.png`, fullPage: true });
  await page.click("#p-save");
  await page.waitForSelector("#persons-body tr[data-id]");
  check("the person is listed", (await page.textContent("#persons-body")).includes("画面 太郎"));
  const masked = await page.textContent("#persons-body td.num");
  check("masked in the list (the last four digits only)", masked.endsWith(number.slice(-4)) && !masked.includes(number.slice(0, 8)), masked);
  check("no number in the page outside a reveal", !(await domHas(page, number)));
  await page.screenshot({ path: `${shots}/04-persons.png`, fullPage: true });

  // search by number (blind index)
  await page.fill("#search-number", number);
  await page.click("#number-search button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll("#persons-body tr[data-id]").length === 1);
  check("found by number", (await page.textContent("#persons-body")).includes("画面 太郎"));
  check("the searched number is not left in the page", !(await domHas(page, number)));

  // reveal with a purpose, shown for a limited time
  await page.click("button[data-reveal]");
  await page.waitForSelector("#reveal-dialog[open]");
  await page.selectOption("#reveal-purpose", "withholding_slip");
  await page.click("#reveal-go");
  await page.waitForSelector("#revealed-number");
  check("the number is revealed", (await page.textContent("#revealed-number")) === number);
  check("nothing stray in the dialog", !(await page.textContent("#reveal-dialog")).includes("null"));
  await page.screenshot({ path: `${shots}/05-reveal.png`, fullPage: true });
  await page.waitForSelector("#revealed-number", { state: "detached", timeout: 10000 });
  check("and hidden again after its time, gone from the page", !(await domHas(page, number)));

  // the language switch
  await page.click("#lang");
  await page.waitForSelector("text=Persons (numbers masked)");
  check("English by the switch", (await page.getAttribute("html", "lang")) === "en");
  await page.click("#lang");
  await page.waitForSelector("text=本人一覧（個人番号はマスク表示）");

  // import a CSV with bad rows: the per-row report, then store the valid ones
  await page.click("a[href='#/import']");
  await page.setInputFiles("#import-file", process.env.MNS_WEB_CSV);
  await page.check("#import-purposes input[value=withholding_slip]");
  await page.click("#import-check");
  await page.waitForSelector("#import-summary");
  const summary = await page.textContent("#import-summary");
  check("the import report counts rows", summary.includes("正常な本人 1件") && summary.includes("エラー 2行"), summary);
  const errors = await page.textContent("#import-errors");
  check("it names the rows and what is wrong, in Japanese", errors.includes("チェックデジット") && /\b3\b/.test(errors), errors);
  await page.screenshot({ path: `${shots}/06-import-report.png`, fullPage: true });
  await page.click("#import-store");
  await page.waitForSelector("#import-done");
  check("the valid row is stored", (await page.textContent("#import-done")).includes("1件"));
  check("nothing stray in the page", !(await page.textContent("main")).includes("null"));

  // a phone-sized screen
  const phone = await newPage({ width: 390, height: 844 });
  await login(phone.page, "clerk1", process.env.MNS_WEB_CLERK_PW, secret).catch(async () => {
    await nextTotpStep();
    await login(phone.page, "clerk1", process.env.MNS_WEB_CLERK_PW, secret);
  });
  await phone.page.waitForSelector("#persons-body tr[data-id]");
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check("the person list fits a phone screen (no sideways scrolling)", overflow <= 0, `${overflow}px`);
  await phone.page.screenshot({ path: `${shots}/07-phone.png`, fullPage: true });
  await phone.context.close();

  // the first session ended when the same ID logged in on the phone
  lastPage = page;
  await page.click("a[href='#/persons']");
  await page.waitForSelector("#login-form");
  check("a session ended elsewhere is said so", (await page.textContent("#notice")).includes("セッションが終了しました"));
  await context.close();

  // ---- the auditor ----------------------------------------------------------------
  const aud = await newPage({ width: 1280, height: 800 });
  await login(aud.page, "auditor1", process.env.MNS_WEB_AUDITOR_PW);
  await aud.page.waitForSelector("#audit-body tr");
  let audit = await aud.page.textContent("#audit-body");
  while (await aud.page.isVisible("#audit-next")) {
    await aud.page.click("#audit-next");
    await sleep(300);
    audit = await aud.page.textContent("#audit-body");
  }
  check("the audit log shows the add, the reveal with its purpose, the import",
    audit.includes("person.create") && audit.includes("person.reveal") && audit.includes("withholding_slip") &&
    audit.includes("import.store"));
  check("dates in Japanese style with the era", /\d{4}年\d{1,2}月\d{1,2}日（令和\d+年）/.test(audit));
  await aud.page.click("#audit-verify");
  await aud.page.waitForSelector("#audit-status.ok");
  check("the chain verifies", (await aud.page.textContent("#audit-status")).includes("改ざんはありません"));
  check("never a number in the auditor's pages", !(await domHas(aud.page, number)));
  await aud.page.screenshot({ path: `${shots}/08-audit.png`, fullPage: true });
  await aud.context.close();

  // ---- the officer: the ledger and the due list ---------------------------------
  const off = await newPage({ width: 1280, height: 800 });
  await login(off.page, "officer1", process.env.MNS_WEB_OFFICER_PW);
  await off.page.click("a[href='#/ledger']");
  await off.page.waitForSelector("#ledger tbody tr");
  const ledger = await off.page.textContent("#ledger");
  const employees = await off.page.$$eval("#ledger tbody tr:first-child td", (tds) => tds.map((td) => td.textContent));
  check("the officer's ledger: the employees' file, its purpose, its two persons (one added, one imported)",
    employees[0].includes("従業員") && employees[1] === "源泉徴収票作成事務" && employees[4] === "2", employees.join(" | "));
  check("and whether the periodic review is due", (await off.page.textContent("#ledger-review")).includes("定期点検"));
  await off.page.screenshot({ path: `${shots}/09-ledger.png`, fullPage: true });
  await off.page.click("a[href='#/due']");
  await off.page.waitForSelector("#due-area p, #due");
  check("the due list opens", (await off.page.textContent("h1")).includes("削除予定"));
  check("never a number in the officer's pages", !(await domHas(off.page, number)));
  await off.context.close();

  // ---- the sysadmin: seal status and users ----------------------------------------
  const adm = await newPage({ width: 1280, height: 800 });
  await login(adm.page, "admin", process.env.MNS_WEB_ADMIN_PW);
  await adm.page.waitForSelector("#seal-state");
  check("the sysadmin sees the seal state", (await adm.page.textContent("#seal-state")).includes("解錠済み"));
  check("and the users with their roles", (await adm.page.textContent("#users")).includes("clerk1"));
  await adm.page.screenshot({ path: `${shots}/10-system.png`, fullPage: true });
  await adm.context.close();

  const origin = new URL(base).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("data:"));
  check(`no external resource among ${requests.length} requests`, foreign.length === 0, foreign.slice(0, 3).join(" "));
  writeFileSync(`${shots}/requests.txt`, requests.join("\n") + "\n");
} catch (e) {
  failed++;
  console.log(`not ok - the run stopped: ${e.message.split("\n")[0]}`);
  if (lastPage) await lastPage.screenshot({ path: `${shots}/stopped.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
