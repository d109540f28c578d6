// tests/web/manage.mjs: the screens of web/manage.js end to end in headless
// Chromium (Debian's chromium, driven by playwright-core) against a real
// `mnsafe serve --separation-of-duties --deletion-approval`, started and
// prepared by tests/integration/test_web_manage.sh, which passes:
//   MNS_WEB_BASE                  https://127.0.0.1:PORT
//   MNS_WEB_ADMIN_PW, MNS_WEB_OFFICER_PW, MNS_WEB_AUDITOR_PW   passwords (setup_tenant)
//   MNS_WEB_NUMBERS               the persons' numbers (never to be in a page)
//   MNS_WEB_DUE_PERSON            the id of a person whose keeping period is over
//   MNS_WEB_ASKED_PERSON          the id of a person a clerk asked to delete
//   MNS_WEB_EVIDENCE              a text file to upload as evidence
//   MNS_WEB_SHOTS                 where the screenshots go
// Prints one "ok - ..." or "not ok - ..." line per check; exits 1 if any failed.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.MNS_WEB_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

const base = process.env.MNS_WEB_BASE;
const origin = new URL(base).origin;
const numbers = process.env.MNS_WEB_NUMBERS.split(",");
const duePerson = Number(process.env.MNS_WEB_DUE_PERSON);
const askedPerson = Number(process.env.MNS_WEB_ASKED_PERSON);
const shots = process.env.MNS_WEB_SHOTS;
mkdirSync(shots, { recursive: true });
let failed = 0;
function check(what, cond, detail) {
  if (cond) console.log(`ok - ${what}`);
  else { failed++; console.log(`not ok - ${what}${detail ? ` (${String(detail).slice(0, 300)})` : ""}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function isoDay(offsetDays) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const requests = [];
let lastPage = null;
async function newPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  lastPage = page;
  return { context, page };
}
/* logs in and waits for the landing screen to be drawn */
async function login(page, user, password, landing) {
  await page.goto(base + "/#/login");
  await page.fill("#user", user);
  await page.fill("#password", password);
  await page.click("#login-submit");
  await page.waitForSelector("#logout:not([hidden])");
  await page.waitForSelector(landing);
}
/* the API as the page's user (the context shares the session cookie; GET needs no CSRF token) */
async function apiGet(context, path) {
  const r = await context.request.get(`${base}/api/v1${path}`);
  return { status: r.status(), body: await r.json().catch(() => null) };
}
async function go(page, hash) {
  await page.click(`a[href='${hash}']`);
  await page.waitForFunction((hs) => location.hash === hs, hash);
}
async function noticeText(page) { return (await page.textContent("#notice")) || ""; }
/* waits for the notice to say something new after an act */
async function actAndNotice(page, act) {
  await page.evaluate(() => { document.getElementById("notice").textContent = ""; });
  await act();
  await page.waitForFunction(() => document.getElementById("notice").textContent.length > 0, null, { timeout: 10000 });
  return noticeText(page);
}
async function domHasNumber(page) {
  return page.evaluate((list) => list.some((n) => document.documentElement.outerHTML.includes(n) ||
    [...document.querySelectorAll("input, textarea")].some((i) => i.value.includes(n))), numbers);
}
async function shot(page, name) { await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }); }

try {
  // ---- the sysadmin: users, businesses, backups ---------------------------------
  const adm = await newPage();
  await login(adm.page, "admin", process.env.MNS_WEB_ADMIN_PW, "#users");
  let p = adm.page;
  const navText = await p.textContent("#nav");
  check("the sysadmin's menu has users, businesses, seal, backups, approvals",
    ["利用者管理", "事業者", "封印", "バックアップ", "承認"].every((w) => navText.includes(w)), navText);
  // a screen left before it finished loading is not drawn over the next one
  // (the system screen's read of the users is held back for a second, so
  // that it answers after the users screen has been drawn)
  await go(p, "#/tenants");
  let held = 0;
  await p.route(`${base}/api/v1/users`, async (route) => {
    if (held++ === 0) await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  await p.evaluate(() => { location.hash = "#/system"; setTimeout(() => { location.hash = "#/users"; }, 100); });
  await p.waitForSelector("#users-area");
  await p.waitForTimeout(1500);
  await p.unroute(`${base}/api/v1/users`);
  check("a screen left while loading does not cover the next one",
    (await p.$("#users-area")) !== null && (await p.$("#seal-state")) === null &&
    (await p.evaluate(() => location.hash)) === "#/users");
  await go(p, "#/system");
  await go(p, "#/users");
  await p.waitForSelector("#users tbody tr[data-user='clerk2']");
  await p.fill("#new-user", "webclerk");
  await p.selectOption("#new-role", "clerk");
  let msg = await actAndNotice(p, () => p.click("#user-create"));
  await p.waitForSelector("#one-time-password");
  const otp = (await p.textContent("#one-time-password")).trim();
  check("a new user: the one-time password is shown", otp.length >= 12, otp.length);
  check("and the role waits for another person's approval (separation of duties)", msg.includes("承認待ち"), msg);
  check("the new user is listed", (await p.textContent("#users")).includes("webclerk"));
  const newRow = await p.$$eval("#users tbody tr[data-user='webclerk'] td", (tds) => tds.map((td) => td.textContent));
  check("with the role marked as awaiting approval", newRow[1] && newRow[1].includes("承認待ち"), newRow.join(" | "));
  const otpLogin = await adm.context.request.post(`${base}/api/v1/sessions`, { data: { user: "webclerk", password: otp } });
  const otpBody = await otpLogin.json();
  check("the one-time password shown is the user's real password", otpLogin.status() === 201 && otpBody.must_change_password === true,
    otpLogin.status());
  await shot(p, "27-users");
  await p.click("button[data-manage='clerk2']");
  await p.waitForSelector("#panel-title");
  check("the one-time password is gone from the page once the sysadmin moves on", !(await p.isVisible("#one-time-password")));
  await p.selectOption("#panel-role", "auditor");
  msg = await actAndNotice(p, () => p.click("#panel-role-go"));
  check("a role change (clerk2 to auditor) is asked for and waits for approval", msg.includes("承認待ち"), msg);
  msg = await actAndNotice(p, () => p.click("#panel-unlock"));
  check("unlock answers", msg.includes("ロックを解除しました"), msg);
  await p.click("#panel-mfa-reset");
  msg = await actAndNotice(p, () => p.click("#panel-mfa-reset-yes"));
  check("a refused act shows the API's message (mfa-reset is the officer's under separation of duties)",
    msg.includes("このロール（sysadmin）では実行できません") && (await p.getAttribute("#notice", "class")) === "error", msg);

  await go(p, "#/tenants");
  await p.waitForSelector("#tenants tbody tr");
  await p.fill("#tenant-code", "beta");
  await p.fill("#tenant-name", "ベータ株式会社");
  msg = await actAndNotice(p, () => p.click("#tenant-create"));
  await p.waitForSelector("#tenants tbody tr:nth-child(2)");
  check("a business is created and listed", msg.includes("beta") && (await p.textContent("#tenants")).includes("ベータ株式会社"), msg);
  await p.selectOption("#tenant", "beta");
  await p.waitForSelector("#policy-form[data-tenant='beta']");
  await p.fill("#pol-hours", "8-25");
  msg = await actAndNotice(p, () => p.click("#policy-save"));
  check("a bad rule is refused with the API's message in Japanese", msg.includes("時間帯の指定が不正です"), msg);
  await p.fill("#pol-hours", "09-18@mon-fri");
  await p.check("#pol-export");
  msg = await actAndNotice(p, () => p.click("#policy-save"));
  const pol = await apiGet(adm.context, "/tenants/beta/policy");
  check("the policy is saved (hours, export approval)", pol.body && pol.body.allow_hours === "09-18@mon-fri" &&
    pol.body.export_approval === true && pol.body.allow_networks === null, JSON.stringify(pol.body));
  check("and shown again", (await p.inputValue("#pol-hours")) === "09-18@mon-fri" && (await p.isChecked("#pol-export")));
  await shot(p, "28-tenants");

  await go(p, "#/backups");
  await p.click("#backup-go");
  await p.waitForSelector("#backup-manifest");
  const bpath = await p.inputValue("#backup-path");
  check("a backup is made; its path and manifest are shown", /\.mnsbak$/.test(bpath) &&
    (await p.textContent("#backup-manifest")).includes(bpath), bpath);
  await p.click("#backup-verify");
  await p.waitForSelector("#backup-check");
  const verdict = await p.textContent("#backup-check");
  check("and verified by a restore test: integrity ok, audit chain intact",
    verdict.includes("ok") && verdict.includes("intact") && (await p.getAttribute("#backup-verdict", "class")) === "ok", verdict);
  await shot(p, "29-backups");

  // ---- the officer: approvals, incidents, access review, check sheet, due list -----
  const off = await newPage();
  await login(off.page, "officer1", process.env.MNS_WEB_OFFICER_PW, "#persons-body tr");
  p = off.page;
  await go(p, "#/approvals");
  await p.waitForSelector("#grant-requests");
  await p.waitForSelector("#deletion-requests");
  const grants = await p.textContent("#grant-requests");
  check("the queue lists the role change asked for in the sysadmin's screen", grants.includes("clerk2") && grants.includes("監査担当"), grants);
  check("and the clerk's deletion and export requests", (await p.textContent("#deletion-requests")).includes("本人からの削除依頼") &&
    (await p.textContent("#export-requests")).includes("年金事務所") &&
    !(await p.textContent("#export-requests")).includes("health_pension"));
  await shot(p, "20-approvals");
  let reqs = (await apiGet(off.context, "/grant-requests")).body.requests;
  const roleReq = reqs.find((r) => r.user === "clerk2" && r.status === "pending");
  const newReq = reqs.find((r) => r.user === "webclerk" && r.status === "pending");
  msg = await actAndNotice(p, () => p.click(`button[data-approve='grant-${roleReq.id}']`));
  check("the officer approves the role change", msg.includes("承認しました"), msg);
  const review0 = (await apiGet(off.context, "/access-review")).body;
  check("and clerk2 is an auditor now", review0.users.find((u) => u.name === "clerk2").role === "auditor");
  await p.click(`button[data-reject='grant-${newReq.id}']`);
  await p.waitForFunction((id) => !document.querySelector(`button[data-reject='grant-${id}']`), newReq.id);
  reqs = (await apiGet(off.context, "/grant-requests")).body.requests;
  check("a rejected request is rejected in the store", reqs.find((r) => r.id === newReq.id).status === "rejected");
  const delBtn = await p.getAttribute("#deletion-requests button[data-approve]", "data-approve");
  msg = await actAndNotice(p, () => p.click(`button[data-approve='${delBtn}']`));
  const persons = (await apiGet(off.context, "/tenants/acme/persons")).body.persons.map((x) => x.id);
  check("approving the clerk's deletion request deletes the person", msg.includes("承認しました") && !persons.includes(askedPerson),
    JSON.stringify(persons));
  const expBtn = await p.getAttribute("#export-requests button[data-reject]", "data-reject");
  await actAndNotice(p, () => p.click(`button[data-reject='${expBtn}']`));
  const exps = (await apiGet(off.context, "/tenants/acme/export-requests")).body.requests;
  check("rejecting the export request", exps.length === 1 && exps[0].status === "rejected", JSON.stringify(exps));
  check("nothing is left waiting in the queue", (await p.isVisible("#grant-requests-none")) && (await p.isVisible("#deletion-requests-none")) &&
    (await p.isVisible("#export-requests-none")));

  // an incident with its PPC deadlines
  await go(p, "#/incidents");
  await p.waitForSelector("#register-form");
  check("the register form names the business and register it was read for (a save goes there, whatever is chosen later)",
    (await p.getAttribute("#register-form", "data-tenant")) === "acme" &&
    (await p.getAttribute("#register-form", "data-register")) === "incidents");
  const known = isoDay(-10);
  await p.fill("#rf-title", "USBメモリの紛失");
  await p.fill("#rf-known_on", known);
  await p.fill("#rf-facts", "源泉徴収票の控えを入れたUSBメモリを社外で紛失した。");
  await p.fill("#rf-persons", "120");
  await p.selectOption("#rf-wrongful_purpose", "false");
  await p.selectOption("#rf-public_exposure", "false");
  await p.selectOption("#rf-strong_encryption", "false");
  msg = await actAndNotice(p, () => p.click("#register-save"));
  await p.waitForSelector("#register-table tbody tr[data-id]");
  const inc = (await apiGet(off.context, "/tenants/acme/registers/incidents")).body.entries[0];
  const incRow = await p.textContent(`#register-table tbody tr[data-id='${inc.id}']`);
  const finalShown = await p.evaluate((d) => formatDate(d), inc.ppc.final_due);
  check("the incident is added and listed", msg.includes("記録を追加しました") && incRow.includes("USBメモリの紛失"), msg);
  check("it is reportable (more than 100 persons) with the API's final due date", incRow.includes("報告対象") &&
    incRow.includes(finalShown), `${incRow} / ${finalShown}`);
  check("the preliminary report target, passed, is highlighted as overdue",
    (await p.isVisible(`tr[data-id='${inc.id}'] .overdue[data-deadline='preliminary']`)) && incRow.includes("期限超過") &&
    (await p.isVisible("#overdue-count")), incRow);
  await shot(p, "21-incidents");
  await p.click(`button[data-edit='${inc.id}']`);
  await p.waitForSelector("#register-form h2");
  await p.fill("#rf-preliminary_reported_on", isoDay(-6));
  msg = await actAndNotice(p, () => p.click("#register-save"));
  const incRow2 = await p.textContent(`#register-table tbody tr[data-id='${inc.id}']`);
  check("the incident is updated: the preliminary report is recorded as sent, no longer overdue",
    msg.includes("更新しました") && incRow2.includes("提出済み") &&
    !(await p.isVisible(`tr[data-id='${inc.id}'] .overdue[data-deadline='preliminary']`)), incRow2);
  await p.click(`button[data-draft='${inc.id}']`);
  await p.waitForSelector("#draft-text");
  check("the PPC report draft is shown", (await p.textContent("#draft-text")).includes("特定個人情報の漏えい等に関する報告（速報）"));
  await p.selectOption("#register", "ledger_reviews");
  await p.waitForSelector("#rf-reviewed_on");
  await p.fill("#rf-reviewed_on", isoDay(0));
  await p.fill("#rf-note", "台帳の記載内容を確認した");
  msg = await actAndNotice(p, () => p.click("#register-save"));
  check("another register (ledger reviews) takes an entry", msg.includes("記録を追加しました") &&
    (await p.textContent("#register-table")).includes("台帳の記載内容を確認した"), msg);
  await p.click("#lang");
  await p.waitForSelector("h1:has-text('Registers')");
  await p.waitForSelector("#register-table");
  check("English by the switch, field labels from the API in English", (await p.textContent("#register-table")).includes("reviewed on"));
  await p.click("#lang");
  await p.waitForSelector("h1:has-text('記録簿')");

  // a phone-sized screen: the register as cards, nothing wider than the screen
  await p.setViewportSize({ width: 390, height: 844 });
  await p.selectOption("#register", "incidents");
  await p.waitForSelector("#register-table tbody tr[data-id]");
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check("the incidents register fits a phone screen (no sideways scrolling)", overflow <= 0, `${overflow}px`);
  await shot(p, "31-phone-incidents");
  await p.setViewportSize({ width: 1280, height: 900 });

  // the access review
  await go(p, "#/access-review");
  await p.waitForSelector("#review tbody tr");
  const review = await p.textContent("#review");
  check("the access review lists users, roles and businesses", review.includes("officer1") && review.includes("acme"), review);
  await p.click("#review-confirm");
  await p.waitForSelector("#review-status.ok");
  check("and the officer records it", (await p.textContent("#review-status")).includes("記録しました"));
  check("the screen said no review had been recorded before", (await p.textContent("#review-last")).includes("まだありません"));
  await go(p, "#/approvals");
  await go(p, "#/access-review");
  await p.waitForSelector("#review-last");
  const lastText = await p.textContent("#review-last");
  check("read again, it names the last review, its officer, and that nothing changed since",
    lastText.includes("officer1") && lastText.includes("変わっていません"), lastText);
  await shot(p, "22-access-review");

  // the check sheet
  await go(p, "#/checksheet");
  await p.waitForSelector("#assessment-new");
  await p.fill("#assessment-title", "2026年度 自己点検");
  msg = await actAndNotice(p, () => p.click("#assessment-create"));
  await p.waitForSelector("#score-table");
  check("an assessment is started; the probes decided items", /mnsafe が\d+項目/.test(msg), msg);
  const cell = (key, col) => p.textContent(`#score-table tr[data-key='${key}'] td:nth-child(${col})`);
  const covBefore = await cell("C-a", 3), allBefore = await cell("all", 7);
  check("the dashboard: C-a not covered at first", covBefore.trim() === "0%", covBefore);
  check("the probes' items are listed", (await p.locator("#probe-table tbody tr").count()) > 5);
  await p.waitForSelector("tr[data-item='C-a-min-1']");
  await p.selectOption("#st-C-a-min-1", "satisfied");
  await p.fill("#note-C-a-min-1", "取扱規程を2026年4月に制定");
  msg = await actAndNotice(p, () => p.click("button[data-save='C-a-min-1']"));
  check("an item is answered", msg.includes("C-a-min-1 を保存しました"), msg);
  await p.setInputFiles("#ev-C-a-min-1", process.env.MNS_WEB_EVIDENCE);
  msg = await actAndNotice(p, () => p.click("button[data-upload='C-a-min-1']"));
  check("an evidence file is uploaded", msg.includes("rules.txt") && (await p.textContent("tr[data-item='C-a-min-1']")).includes("rules.txt"), msg);
  const covAfter = await cell("C-a", 3), allAfter = await cell("all", 7);
  check("the dashboard's coverage changes: C-a minimum 1 of 14", covAfter.trim() === "7.1%", covAfter);
  check("and the whole sheet's", allAfter !== allBefore, `${allBefore} -> ${allAfter}`);
  const asm = (await apiGet(off.context, "/tenants/acme/assessments")).body.assessments[0];
  const got = (await apiGet(off.context, `/assessments/${asm.id}`)).body.results["C-a-min-1"];
  check("the store has the verdict, the note and the evidence file", got.status === "satisfied" &&
    got.evidence_note === "取扱規程を2026年4月に制定" && got.evidence_files.length === 1 && got.evidence_files[0].filename === "rules.txt" &&
    got.evidence_files[0].content_type === "text/plain", JSON.stringify(got));
  check("the trend lists the assessment", (await p.textContent("#trend")).includes("2026年度 自己点検"));
  check("an item decided by a probe cannot be answered by hand", await (async () => {
    await p.selectOption("#section", "C-c");
    await p.waitForSelector("tr[data-item='C-c-min-1']");
    return p.isDisabled("#st-C-c-min-1");
  })());
  await p.selectOption("#section", "C-a");
  await p.waitForSelector("tr[data-item='C-a-min-1']");
  await shot(p, "23-checksheet");

  // deleting the due persons
  await go(p, "#/due");
  await p.waitForSelector("#due tbody tr");
  check("the due list has the retired person", (await p.textContent("#due")).includes("退職 一郎"));
  check("and says whose list it is: the deletion acts on that business",
    (await p.getAttribute("#due-area", "data-tenant")) === "acme");
  await p.check("#due-agree");
  await shot(p, "24-due-delete");
  msg = await actAndNotice(p, () => p.click("#due-delete-go"));
  const left = (await apiGet(off.context, "/tenants/acme/persons")).body.persons.map((x) => x.id);
  check("the officer deletes the due persons", msg.includes("1人を削除しました") && msg.includes(String(duePerson)) &&
    !left.includes(duePerson), msg);
  await p.waitForSelector("#due-area p");
  check("and the due list is empty afterwards", !(await p.isVisible("#due")));
  check("never a number in the officer's pages", !(await domHasNumber(p)));

  // ---- the auditor: registers, the report, the audit log -------------------------
  const aud = await newPage();
  await login(aud.page, "auditor1", process.env.MNS_WEB_AUDITOR_PW, "#audit-body tr");
  p = aud.page;
  await go(p, "#/registers");
  await p.waitForSelector("#register-table tbody tr");
  check("the auditor reads the incidents register with its deadlines", (await p.textContent("#register-table")).includes("USBメモリの紛失") &&
    (await p.textContent("#register-table")).includes("提出済み"));
  check("read-only: no form, no update button", !(await p.isVisible("#register-form")) && (await p.locator("button[data-edit]").count()) === 0);
  await shot(p, "25-registers");
  await go(p, "#/report");
  await p.waitForSelector("#score-table");
  check("the auditor's report shows the score/coverage dashboard", (await p.textContent("#score-table tr[data-key='C-a'] td:nth-child(3)")).trim() === "7.1%");
  const gapItems = await p.$$eval("#gaps tbody tr td:first-child", (tds) => tds.map((td) => td.textContent));
  check("and the gaps, without the answered item", gapItems.includes("C-a-min-2") && !gapItems.includes("C-a-min-1"), gapItems.slice(0, 5));
  const csvHref = await p.getAttribute("#report-csv", "href");
  const csv = await aud.context.request.get(base + csvHref);
  check("the report downloads as CSV", csv.status() === 200 && (await csv.text()).includes("C-a-min-1"), csvHref);
  await shot(p, "26-report");
  check("never a number in the auditor's pages", !(await domHasNumber(p)));
  let entries = [], after = 0;
  for (;;) {
    const r = await apiGet(aud.context, `/audit?after=${after}&limit=1000`);
    entries = entries.concat(r.body.entries || []);
    if (!r.body.next_after || !(r.body.entries || []).length) break;
    after = r.body.next_after;
  }
  const did = (actor, action) => entries.some((e) => e.actor === actor && e.action === action && e.result === "ok");
  for (const [actor, action] of [["admin", "user.create"], ["admin", "tenant.create"], ["admin", "tenant.policy_set"],
    ["admin", "backup.create"], ["admin", "backup.verify"], ["admin", "user.role_request"], ["officer1", "user.role_approve"],
    ["officer1", "user.role_reject"],
    ["officer1", "person.delete"],
    ["officer1", "export.reject"], ["officer1", "register.add"], ["officer1", "register.update"],
    ["officer1", "access.review_confirm"], ["officer1", "assessment.create"], ["officer1", "assessment.attest"],
    ["officer1", "assessment.evidence_add"], ["officer1", "retention.delete"]]) {
    check(`the audit log has ${actor}'s ${action}`, did(actor, action));
  }

  // ---- the sysadmin seals ----------------------------------------------------------
  p = adm.page;
  lastPage = p;
  await go(p, "#/seal");
  await p.waitForSelector("#seal-state.ok");
  check("unsealed: the seal button, no unseal form", (await p.isVisible("#seal-go")) && !(await p.isVisible("#unseal-form")));
  await p.click("#seal-go");
  check("sealing asks first", await p.isVisible("#seal-go-yes"));
  await p.click("#seal-go-yes");
  await p.waitForSelector("#seal-state.bad");
  check("sealed by the button; now the unseal form instead", (await p.textContent("#seal-state")).includes("封印中") &&
    !(await p.isVisible("#seal-go")) && (await p.isVisible("#unseal-form")));
  check("the share field does not show what is typed", (await p.getAttribute("#unseal-share", "type")) === "password");
  await p.fill("#unseal-share", "mns1-3-not-a-share");
  msg = await actAndNotice(p, () => p.click("#unseal-go"));
  check("a share for a dev store is refused with the API's message", msg.includes("開発用鍵ファイル"), msg);
  check("and the share leaves the field", (await p.inputValue("#unseal-share")) === "");
  await shot(p, "30-seal");
  await p.click("#logout");
  await p.waitForSelector("#unseal-link");
  check("a sealed store offers the unseal form on the login page", await p.isVisible("#unseal-link a"));
  await p.click("#unseal-link a");
  await p.waitForSelector("#unseal-form");

  const foreign = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("data:"));
  check(`no external resource among ${requests.length} requests`, foreign.length === 0, foreign.slice(0, 3).join(" "));
  writeFileSync(`${shots}/manage-requests.txt`, requests.join("\n") + "\n");
} catch (e) {
  failed++;
  console.log(`not ok - the run stopped: ${e.message.split("\n")[0]}`);
  if (lastPage) await lastPage.screenshot({ path: `${shots}/manage-stopped.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
