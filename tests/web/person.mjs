// tests/web/person.mjs: the clerk's person page and export screen in
// headless Chromium against the real `mnsafe serve` of test_web_ui.sh (a
// clerk without a second factor): add a person, correct the record and
// change a reissued number with live check-digit feedback, add and remove a
// dependent, record the end of need; export with a password-protected ZIP
// that 7-Zip opens and that holds the new number, a masked export that says
// it needs no encryption, an export with numbers refused without
// encryption; delete the person. Environment as collect.mjs, plus
//   MNS_WEB_NUMBER4, MNS_WEB_NUMBER5, MNS_WEB_NUMBER6   the first number, the reissued one, a dependent's
//   MNS_WEB_WORK      a directory for the downloaded file
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { check, domHas, finish, login, newPage, shots } from "./lib.mjs";

const first = process.env.MNS_WEB_NUMBER4;
const reissued = process.env.MNS_WEB_NUMBER5;
const dep = process.env.MNS_WEB_NUMBER6;
const work = process.env.MNS_WEB_WORK;

try {
  const { page } = await newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs = [];
  page.on("dialog", async (d) => { dialogs.push(d.type()); await (d.type() === "prompt" ? d.accept("扶養から外れた") : d.accept()); });
  await login(page, "clerk3", process.env.MNS_WEB_CLERK3_PW);
  await page.goto(page.url().replace(/#.*$/, "#/persons/new"));
  await page.waitForSelector("#person-form");
  await page.fill("#p-name", "修正 太郎");
  await page.fill("#p-code", "E-900");
  await page.fill("#p-number", first);
  await page.check("#p-purposes input[value='withholding_slip']");
  await page.click("#p-save");
  await page.waitForSelector("#persons-body tr[data-id]");
  await page.click("#persons-body tr:has-text('修正 太郎') button[data-open]");
  await page.waitForSelector("#edit-form");
  check("the person page shows the masked number", (await page.textContent("#person-masked")) === "********" + first.slice(8));

  // correcting the record and the number
  await page.fill("#edit-kana", "シュウセイ タロウ");
  await page.fill("#edit-code", "");
  const bad = reissued.slice(0, 11) + String((Number(reissued[11]) + 1) % 10);
  await page.fill("#edit-number", bad);
  check("a wrong check digit in the new number shows at once", (await page.getAttribute("#edit-number", "aria-invalid")) === "true");
  await page.click("#edit-save");
  check("and is not sent", (await page.textContent("#notice")).includes("チェックデジット"));
  await page.fill("#edit-number", reissued);
  await page.check("#edit-purposes input[value='health_pension']");
  await page.click("#edit-save");
  await page.waitForFunction(() => document.querySelector("#notice").textContent.includes("修正しました"));
  const said = await page.textContent("#notice");
  check("the correction names the fields changed", said.includes("個人番号") && said.includes("フリガナ") && said.includes("従業員番号"), said);
  check("the page shows the new number masked", (await page.textContent("#person-masked")) === "********" + reissued.slice(8));
  check("the kana is kept and the code cleared", (await page.inputValue("#edit-kana")) === "シュウセイ タロウ" && (await page.inputValue("#edit-code")) === "");
  check("the new number is not left in the form", !(await domHas(page, reissued)));

  // a dependent
  await page.fill("#dep-name", "修正 花子");
  await page.selectOption("#dep-rel", { index: 0 });
  await page.fill("#dep-number", dep);
  await page.click("#dep-save");
  await page.waitForSelector("#dependents li[data-dependent]");
  check("the dependent is added, masked", (await page.textContent("#dependents")).includes("********" + dep.slice(8)));
  await page.click("#dependents button[data-edit]");
  await page.fill("#dependents form.dep-edit input[id$='-name']", "修正 桜子");
  await page.fill("#dependents form.dep-edit input[id$='-number']", reissued);
  await page.evaluate(() => { document.getElementById("notice").textContent = ""; });
  await page.click("#dependents button[data-save]");
  await page.waitForFunction(() => document.getElementById("notice").textContent.length > 0).catch(() => {});
  check("the person's own number is refused for the dependent", (await page.textContent("#notice")).includes("本人"),
    await page.textContent("#notice"));
  await page.click("#dependents button[data-edit]").catch(() => {});
  await page.fill("#dependents form.dep-edit input[id$='-name']", "修正 桜子");
  await page.fill("#dependents form.dep-edit input[id$='-number']", "");
  await page.click("#dependents button[data-save]");
  await page.waitForFunction(() => document.querySelector("#dependents").textContent.includes("修正 桜子") &&
    document.getElementById("notice").textContent.includes("扶養親族を修正しました"));
  check("the dependent is corrected in place", true);
  await page.screenshot({ path: `${shots}/14-person.png`, fullPage: true });
  await page.click("#dependents button[data-remove]");
  await page.waitForSelector("#dependents li[data-dependent]", { state: "detached" });
  check("and removed with a reason", dialogs.includes("prompt"));

  // end of need
  await page.fill("#end-on", "2026-03-31");
  await page.click("#end-save");
  await page.waitForFunction(() => document.querySelector("#notice").textContent.includes("法定の削除日"));
  check("the end of need gives the legal deletion date", (await page.textContent("#notice")).includes("年"));

  // export: a password-protected ZIP that 7-Zip opens
  await page.click("a[href='#/export']");
  await page.waitForSelector("#export-form #ex-recipient");
  await page.selectOption("#ex-purpose", "withholding_slip");
  await page.fill("#ex-recipient", "税務署");
  await page.fill("#ex-route", "e-Tax");
  await page.click("#ex-do");
  await page.waitForSelector("#export-done");
  const password = await page.textContent("#export-password");
  check("the ZIP's password is shown once", /^\S{12,}$/.test(password), password.length);
  await page.screenshot({ path: `${shots}/15-export.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-download")]);
  const zip = `${work}/export.zip`;
  await download.saveAs(zip);
  check("the file is a ZIP, not a plaintext CSV", !readFileSync(zip).includes(Buffer.from(reissued)) &&
    readFileSync(zip).subarray(0, 2).toString() === "PK");
  let csv = "";
  try {
    csv = execFileSync("7z", ["x", "-so", `-p${password}`, zip], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch (e) { csv = ""; }
  check("7-Zip opens it with the password and finds the reissued number", csv.includes(reissued) && csv.includes("修正 太郎"));
  let wrong = true;
  try { execFileSync("7z", ["x", "-so", "-pwrong-password", zip], { stdio: "ignore" }); wrong = false; } catch (e) { wrong = true; }
  check("and not with another password", wrong);
  await page.check("#ex-protection input[value='none']");
  await page.click("#ex-do");
  check("numbers without encryption are refused before sending", (await page.textContent("#notice")).includes("暗号化が必要"));
  await page.uncheck("#ex-fields input[value='mynumber']");
  await page.click("#ex-do");
  await page.waitForSelector("#export-note");
  check("a masked export says it needs no encryption", (await page.textContent("#export-note")).includes("暗号化していません"));
  check("the export left no number in the page", !(await domHas(page, reissued)));

  // deletion, for good
  await page.click("a[href='#/persons']");
  await page.waitForSelector("#persons-body tr[data-id]");
  await page.click("#persons-body tr:has-text('修正 太郎') button[data-open]");
  await page.waitForSelector("#delete-form");
  await page.fill("#del-reason", "保存期間の満了");
  await page.click("#del-do");
  await page.waitForFunction(() => document.querySelector("#notice").textContent.includes("削除しました"));
  check("the person is deleted after a confirmation", dialogs.includes("confirm") &&
    !(await page.textContent("#persons-body")).includes("修正 太郎"));
  await finish("person");
} catch (e) {
  await finish("person", e);
}
