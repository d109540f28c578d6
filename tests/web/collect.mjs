// tests/web/collect.mjs: self-service collection in headless Chromium
// against the real `mnsafe serve` of tests/integration/test_web_ui.sh (run
// after e2e.mjs, with a clerk of its own). A clerk issues a link on the
// desktop; the employee opens it on a phone-sized screen, photographs both
// documents, enters their number (live check digit) and a dependent's, and
// submits; the clerk looks at the photos and records the identity check;
// the auditor's log shows every step. Environment as e2e.mjs, plus
//   MNS_WEB_CLERK3_PW   a clerk of acme without a second factor
//   MNS_WEB_NUMBER2, MNS_WEB_NUMBER3   the employee's and the dependent's numbers
import { deflateSync } from "node:zlib";
import { base, check, domHas, finish, login, newPage, shots } from "./lib.mjs";

const own = process.env.MNS_WEB_NUMBER2;
const dep = process.env.MNS_WEB_NUMBER3;

/* a real PNG of w x h pixels of one colour, so that the page can show it */
function png(w, h, rgb) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(rgb, y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

try {
  // ---- the clerk issues a link ------------------------------------------------------
  const desk = await newPage({ viewport: { width: 1280, height: 900 } });
  await login(desk.page, "clerk3", process.env.MNS_WEB_CLERK3_PW);
  await desk.page.click("a[href='#/collections']");
  await desk.page.waitForSelector("#col-form #col-name");
  check("the clerk's collection screen is in Japanese", (await desk.page.textContent("h1")).includes("収集リンク"));
  await desk.page.fill("#col-name", "携帯 花子");
  await desk.page.fill("#col-code", "E-310");
  await desk.page.click("#col-issue");
  check("a link needs a purpose", (await desk.page.textContent("#notice")).includes("利用目的"));
  await desk.page.check("#col-purposes input[value='withholding_slip']");
  await desk.page.click("#col-issue");
  await desk.page.waitForSelector("#col-url");
  const url = await desk.page.inputValue("#col-url");
  check("the link is shown once, with the token in the fragment", /#\/collect\/mnc_[0-9a-f]{64}$/.test(url), url);
  check("with a QR code", await desk.page.isVisible("#col-qr"));
  await desk.page.waitForSelector("#collections tr[data-collection]");
  check("the list shows the link as not yet submitted", (await desk.page.textContent("#collections")).includes("未提出"));
  await desk.page.screenshot({ path: `${shots}/10-collection-issued.png`, fullPage: true });
  // the test script issued MNS_WEB_EARLIER_LINKS links before: the list shows
  // the newest 50 and reads the older ones on demand, without repeating any
  const earlier = Number(process.env.MNS_WEB_EARLIER_LINKS || 0);
  const rowIds = () => desk.page.$$eval("#collections tr[data-collection]", (trs) => trs.map((tr) => tr.getAttribute("data-collection")));
  const firstPage = await rowIds();
  check("the list shows one page of 50 links", firstPage.length === Math.min(50, earlier + 1), String(firstPage.length));
  check("the newest first: the link just issued heads it", firstPage[0] === String(Math.max(...firstPage.map(Number))));
  check("a button reads the older links", await desk.page.isVisible("#col-older"));
  check("in the screen's language", (await desk.page.textContent("#col-older")).includes("さらに古いもの"));
  await desk.page.click("#col-older");
  await desk.page.waitForFunction((n) => document.querySelectorAll("#collections tr[data-collection]").length > n, firstPage.length);
  const both = await rowIds();
  check("after it every link is listed once", both.length === earlier + 1 && new Set(both).size === both.length, String(both.length));
  check("in order, newest first", both.every((id, i) => i === 0 || Number(both[i - 1]) > Number(id)));
  check("and the button is gone on the last page", !(await desk.page.isVisible("#col-older")));

  // ---- the employee, on a phone ---------------------------------------------------------
  const phone = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.page.goto(url);
  await phone.page.waitForSelector("#collect-form");
  check("the phone page opens without a login", (await phone.page.textContent("h1")) === "マイナンバーの提出");
  check("the token left the address bar", phone.page.url().endsWith("#/collect"), phone.page.url());
  check("it says whose link it is and why", (await phone.page.textContent("#cl-name")) === "携帯 花子" &&
    (await phone.page.textContent("#cl-purposes")).length > 0);
  await phone.page.click("#cl-submit");
  check("no submission without the photos", (await phone.page.textContent("#notice")).includes("2枚"));
  await phone.page.setInputFiles("#doc-number", { name: "back.png", mimeType: "image/png", buffer: png(120, 80, [30, 90, 200]) });
  await phone.page.waitForSelector("#doc-number-status.ok");
  await phone.page.setInputFiles("#doc-identity", { name: "front.png", mimeType: "image/png", buffer: png(120, 80, [200, 90, 30]) });
  await phone.page.waitForSelector("#doc-identity-status.ok");
  check("both photos are sent, with a preview", await phone.page.isVisible("#doc-identity-preview img"));
  await phone.page.setInputFiles("#doc-number", { name: "note.png", mimeType: "image/png", buffer: Buffer.from("not a picture") });
  await phone.page.waitForSelector("#doc-number-status.bad");
  check("a file that is not a photo is refused with a clear message",
    (await phone.page.textContent("#doc-number-status")).includes("JPEG"));
  await phone.page.setInputFiles("#doc-number", { name: "back.png", mimeType: "image/png", buffer: png(120, 80, [30, 90, 200]) });
  await phone.page.waitForSelector("#doc-number-status.ok");
  const bad = own.slice(0, 11) + String((Number(own[11]) + 1) % 10);
  await phone.page.fill("#cl-number", bad);
  check("a wrong check digit shows at once", (await phone.page.getAttribute("#cl-number", "aria-invalid")) === "true");
  await phone.page.fill("#cl-number", own);
  check("the right one too", (await phone.page.textContent("#cl-number-feedback")).includes("一致しました"));
  await phone.page.click("#cl-add-dep");
  await phone.page.fill("#dep-0-name", "携帯 一郎");
  await phone.page.selectOption("#dep-0-rel", { index: 1 });
  await phone.page.fill("#dep-0-number", dep);
  const width = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check("the page fits a phone's width", width[0] <= width[1], String(width));
  await phone.page.screenshot({ path: `${shots}/11-collection-phone.png`, fullPage: true });
  await phone.page.click("#cl-submit");
  await phone.page.waitForSelector("#collect-done");
  check("the employee's submission is accepted", true);
  check("no number is left in the phone's page", !(await domHas(phone.page, own)) && !(await domHas(phone.page, dep)));
  await phone.page.screenshot({ path: `${shots}/12-collection-done.png`, fullPage: true });
  await phone.page.goto(url);
  await phone.page.waitForSelector("#collect-error");
  check("the link cannot be used twice", (await phone.page.textContent("#collect-error")).includes("使用済み"));
  await phone.context.close();

  // ---- the clerk looks at the photos and records the identity check ---------------------------
  await desk.page.reload();
  await desk.page.waitForSelector("#collections tr[data-collection]");
  check("the list shows it submitted", (await desk.page.textContent("#collections")).includes("提出済み"));
  await desk.page.click("#collections button[data-review]");
  await desk.page.click("button[data-doc='number']");
  await desk.page.waitForSelector("#review-number img");
  const shown = await desk.page.evaluate(() => {
    const img = document.querySelector("#review-number img");
    return [img.naturalWidth, img.src.startsWith("data:image/png;base64,")];
  });
  check("the clerk sees the number document as sent", shown[0] === 120 && shown[1], String(shown));
  await desk.page.click("button[data-doc='identity']");
  await desk.page.waitForSelector("#review-identity img");
  await desk.page.screenshot({ path: `${shots}/13-identity-check.png`, fullPage: true });
  await desk.page.selectOption("#chk-number", { index: 0 });
  await desk.page.selectOption("#chk-identity", { index: 1 });
  await desk.page.click("#chk-save");
  await desk.page.waitForFunction(() => (document.querySelector("#collections") || {}).textContent?.includes("本人確認済み"));
  check("the identity check is recorded", true);
  check("the photos left the page with the panel", (await desk.page.$("#review-number img")) === null);
  await desk.page.click("a[href='#/persons']");
  await desk.page.waitForSelector("#persons-body tr[data-id]");
  const row = await desk.page.textContent("#persons-body");
  check("the person is in the list, masked", row.includes("携帯 花子") && row.includes("********" + own.slice(8)) && !row.includes(own));
  await desk.context.close();

  // ---- the auditor sees every step ---------------------------------------------------------------
  const aud = await newPage({ viewport: { width: 1280, height: 900 } });
  await login(aud.page, "auditor1", process.env.MNS_WEB_AUDITOR_PW);
  await aud.page.waitForSelector("#audit-body tr");
  let text = await aud.page.textContent("#audit");
  for (let i = 0; i < 20 && !text.includes("collection.identity_check") && await aud.page.isVisible("#audit-next"); i++) {
    await aud.page.click("#audit-next");
    await aud.page.waitForTimeout(300);
    text = await aud.page.textContent("#audit");
  }
  for (const action of ["collection.issue", "collection.open", "collection.upload", "collection.submit",
                        "collection.document_view", "collection.identity_check"])
    check(`the audit log shows ${action}`, text.includes(action));
  check("the link's holder is named as such", /link:\d+/.test(text));
  check("no number in the auditor's page", !(await domHas(aud.page, own)) && !(await domHas(aud.page, dep)));
  await aud.context.close();

  await finish("collection");
} catch (e) {
  await finish("collection", e);
}
