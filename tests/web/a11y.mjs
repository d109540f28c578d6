// tests/web/a11y.mjs: every screen of the web UI checked with axe-core (the
// WCAG 2.0/2.1 level A and AA rules) in headless Chromium, against the real
// `mnsafe serve` of test_web_ui.sh, in Japanese and for some screens in
// English and on a phone-sized screen. A screen with any violation fails,
// and the rule and the elements are printed. axe is injected by the test
// (the context bypasses the page's CSP for that one script; the page itself
// never loads it). Environment as person.mjs, plus the officer's, the
// auditor's and the sysadmin's passwords (MNS_WEB_OFFICER_PW,
// MNS_WEB_AUDITOR_PW, MNS_WEB_ADMIN_PW).
import { check, finish, login, newPage, base } from "./lib.mjs";

const axePath = process.env.MNS_WEB_NODE_MODULES + "/axe-core/axe.min.js";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

async function audit(page, name, ready) {
  await page.waitForSelector(ready);
  await page.waitForTimeout(300); /* the rest of the screen's reads */
  await page.addScriptTag({ path: axePath });
  const r = await page.evaluate(async (tags) => {
    const res = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  }, TAGS);
  check(`${name}: no WCAG 2.1 A/AA violation`, r.length === 0, r.join("; "));
}
async function visit(page, hash, name, ready) {
  await page.goto(base + "/" + hash);
  await audit(page, name, ready);
}

try {
  const anon = await newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await visit(anon.page, "#/login", "login", "#login-form");

  // the clerk
  const c = await newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await login(c.page, "clerk3", process.env.MNS_WEB_CLERK3_PW);
  await audit(c.page, "person list", "#persons-body tr");
  await visit(c.page, "#/persons/new", "adding a person", "#person-form");
  await c.page.fill("#p-number", "1234");
  await audit(c.page, "adding a person, with check-digit feedback", "#number-feedback.bad");
  await visit(c.page, "#/persons", "person list", "#persons-body tr[data-id]");
  await c.page.click("#persons-body button[data-reveal]");
  await audit(c.page, "the reveal dialog", "#reveal-dialog");
  await c.page.click("#reveal-hide");
  await c.page.click("#persons-body button[data-open]");
  await audit(c.page, "a person's page", "#edit-form");
  await visit(c.page, "#/import", "CSV import", "#main form");
  await visit(c.page, "#/export", "export", "#export-form #ex-recipient");
  await visit(c.page, "#/collections", "collection links", "#col-form #col-name");
  await c.page.click("#collections button[data-review]");
  await c.page.click("button[data-doc='number']");
  await audit(c.page, "the identity check panel with a photo", "#review-number img");
  await c.page.fill("#col-name", "検査 用");
  await c.page.check("#col-purposes input[type=checkbox]");
  await c.page.click("#col-issue");
  await audit(c.page, "a link just issued", "#col-url");
  const url = await c.page.inputValue("#col-url");
  await visit(c.page, "#/mfa", "two-factor enrolment", "#mfa-start");
  await visit(c.page, "#/password", "password change", "#main form");
  await c.page.click("#lang");
  await visit(c.page, "#/persons", "person list in English", "#persons-body tr[data-id]");
  await c.page.click("#lang");

  // the employee's phone
  const phone = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  await phone.page.goto(url);
  await audit(phone.page, "the employee's page on a phone", "#collect-form");

  // the officer
  const o = await newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await login(o.page, "officer1", process.env.MNS_WEB_OFFICER_PW);
  for (const [hash, name, ready] of [["#/ledger", "ledger", "#ledger-area p"], ["#/due", "due list", "#due-area *"],
                                      ["#/approvals", "approvals", "#main h1"], ["#/incidents", "incidents and registers", "#main h1"],
                                      ["#/access-review", "access review", "#main h1"], ["#/checksheet", "check sheet", "#main h1"],
                                      ["#/report", "assessment report", "#main h1"]])
    await visit(o.page, hash, name, ready);

  // the auditor
  const a = await newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await login(a.page, "auditor1", process.env.MNS_WEB_AUDITOR_PW);
  await audit(a.page, "audit log", "#audit-body tr");
  await visit(a.page, "#/registers", "registers", "#main h1");

  // the sysadmin
  const s = await newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await login(s.page, "admin", process.env.MNS_WEB_ADMIN_PW);
  for (const [hash, name, ready] of [["#/system", "system", "#seal-state"], ["#/users", "users", "#users-area table"],
                                      ["#/tenants", "businesses", "#main h1"], ["#/seal", "seal", "#main h1"],
                                      ["#/backups", "backups", "#main h1"]])
    await visit(s.page, hash, name, ready);
  // a phone-sized screen of the clerk's list
  const cp = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, bypassCSP: true });
  await login(cp.page, "clerk3", process.env.MNS_WEB_CLERK3_PW);
  await audit(cp.page, "person list on a phone", "#persons-body tr");
  await finish("accessibility");
} catch (e) {
  await finish("accessibility", e);
}
