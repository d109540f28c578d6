/* collect.js: self-service collection. The clerk's screen (#/collections)
 * issues one-time links and records the identity check; the employee's
 * page (#/collect, opened from the link on a phone) takes the photos of
 * the documents, the number and the dependents' numbers. Loaded after
 * app.js: adds its words to WORDS and its screens to ROUTES.
 *
 * The link's token travels in the address's fragment (never sent to the
 * server with the page), is moved to this tab's sessionStorage at once and
 * taken out of the address bar, and goes to the API as a bearer token. */
"use strict";

Object.assign(WORDS.ja, {
  nav_collections: "本人収集",
  col_title: "本人による番号の提出（収集リンク）", col_issue: "収集リンクを発行", col_hours: "有効期限",
  col_hours_n: "{n}時間", col_days_n: "{n}日", col_issue_do: "発行する",
  col_issued: "リンクを発行しました。このリンクは今しか表示されません。本人に渡してください（メール、SMS、またはQRコード）。",
  col_url: "リンク", col_copy: "コピー", col_copied: "コピーしました。",
  col_list: "発行したリンク", col_state: "状態", col_created: "発行", col_expires: "期限", col_submitted: "提出",
  st_open: "未提出", st_submitted: "提出済み（本人確認待ち）", st_confirmed: "本人確認済み", st_rejected: "本人確認不可",
  st_expired: "期限切れ", st_cancelled: "取消し", st_deleted: "削除済み",
  col_cancel: "取り消す", col_cancelled: "リンクを取り消しました。", col_review: "本人確認",
  col_docs: "提出された書類", doc_number: "番号確認書類", doc_identity: "身元確認書類", doc_show: "画像を表示",
  doc_pdf: "PDF（{kb} KB）を保存", col_close: "閉じる",
  chk_title: "本人確認の記録", chk_result: "結果", chk_confirmed: "確認できた", chk_rejected: "確認できない",
  chk_number: "番号確認の方法", chk_identity: "身元確認の方法", chk_note: "メモ（確認できない場合は理由）",
  chk_save: "記録する", chk_saved: "本人確認を記録しました。",
  m_card_back: "個人番号カード（裏面）", m_notice: "通知カード（記載事項に変更なし）", m_juminhyo: "住民票の写し（個人番号付き）",
  m_card_front: "個人番号カード（表面）", m_license: "運転免許証", m_passport: "旅券（パスポート）", m_residence: "在留カード",
  m_other: "その他",
  cl_title: "マイナンバーの提出", cl_for: "{tenant} が、あなたの個人番号を次の目的のために収集します。",
  cl_name: "お名前", cl_until: "このリンクの有効期限", cl_step1: "1. 番号確認書類を撮影",
  cl_step1_hint: "個人番号カードの裏面、通知カード、または個人番号付きの住民票の写し。",
  cl_step2: "2. 身元確認書類を撮影", cl_step2_hint: "個人番号カードの表面、運転免許証、パスポートなど（顔写真付き）。",
  cl_file: "写真またはPDFを選ぶ", cl_sending: "送信中…", cl_sent: "送信しました（{kb} KB）。撮り直す場合はもう一度選んでください。",
  cl_step3: "3. 個人番号を入力", cl_number: "あなたの個人番号（12桁）", cl_deps: "扶養親族（いる場合）",
  cl_add_dep: "扶養親族を追加", cl_dep_n: "扶養親族 {n}", cl_dep_name: "氏名", cl_dep_rel: "続柄", cl_dep_number: "個人番号（12桁）",
  cl_remove: "削除", cl_submit: "提出する", cl_need_docs: "書類の写真を2枚とも送信してください。",
  cl_done: "提出しました。担当者が書類を確認します。このページは閉じてかまいません。",
  cl_no_link: "リンクが見つかりません。受け取ったリンクをもう一度開いてください。",
  rel_spouse: "配偶者", rel_child: "子", rel_parent: "父母", rel_other: "その他",
});
Object.assign(WORDS.en, {
  nav_collections: "Self-service",
  col_title: "Numbers submitted by the persons (collection links)", col_issue: "Issue a collection link", col_hours: "Valid for",
  col_hours_n: "{n} hours", col_days_n: "{n} days", col_issue_do: "Issue",
  col_issued: "The link is issued. It is shown only now: give it to the person (e-mail, SMS or the QR code).",
  col_url: "Link", col_copy: "Copy", col_copied: "Copied.",
  col_list: "Links issued", col_state: "State", col_created: "Issued", col_expires: "Expires", col_submitted: "Submitted",
  st_open: "Not yet submitted", st_submitted: "Submitted (identity check pending)", st_confirmed: "Identity confirmed",
  st_rejected: "Identity not confirmed", st_expired: "Expired", st_cancelled: "Cancelled", st_deleted: "Deleted",
  col_cancel: "Cancel", col_cancelled: "The link is cancelled.", col_review: "Identity check",
  col_docs: "Documents submitted", doc_number: "Number document", doc_identity: "Identity document", doc_show: "Show the image",
  doc_pdf: "Save the PDF ({kb} KB)", col_close: "Close",
  chk_title: "Record the identity check", chk_result: "Result", chk_confirmed: "Confirmed", chk_rejected: "Not confirmed",
  chk_number: "How the number was checked", chk_identity: "How the identity was checked", chk_note: "Note (the reason, if not confirmed)",
  chk_save: "Record", chk_saved: "The identity check is recorded.",
  m_card_back: "My Number Card (back)", m_notice: "Notification Card (details unchanged)", m_juminhyo: "Certificate of residence with the number",
  m_card_front: "My Number Card (front)", m_license: "Driver's licence", m_passport: "Passport", m_residence: "Residence card",
  m_other: "Other",
  cl_title: "Submit your My Number", cl_for: "{tenant} collects your My Number for the following purposes.",
  cl_name: "Your name", cl_until: "This link is valid until", cl_step1: "1. Photograph the number document",
  cl_step1_hint: "The back of your My Number Card, your Notification Card, or a certificate of residence showing the number.",
  cl_step2: "2. Photograph the identity document", cl_step2_hint: "The front of your My Number Card, a driver's licence, a passport (with your photo).",
  cl_file: "Choose a photo or a PDF", cl_sending: "Sending…", cl_sent: "Sent ({kb} KB). Choose again to replace it.",
  cl_step3: "3. Enter your number", cl_number: "Your My Number (12 digits)", cl_deps: "Dependents (if any)",
  cl_add_dep: "Add a dependent", cl_dep_n: "Dependent {n}", cl_dep_name: "Name", cl_dep_rel: "Relationship", cl_dep_number: "My Number (12 digits)",
  cl_remove: "Remove", cl_submit: "Submit", cl_need_docs: "Send both document photos first.",
  cl_done: "Submitted. The office will check your documents. You may close this page.",
  cl_no_link: "No link found. Open the link you received again.",
  rel_spouse: "Spouse", rel_child: "Child", rel_parent: "Parent", rel_other: "Other",
});

const LINK_KEY = "mnsafe.link";
const DOC_SLOTS = ["number", "identity"];
const NUMBER_METHODS = ["m_card_back", "m_notice", "m_juminhyo", "m_other"];
const IDENTITY_METHODS = ["m_card_front", "m_license", "m_passport", "m_residence", "m_other"];

/* the link's token leaves the address bar before anything else runs */
function takeLinkFromAddress() {
  const prefix = "#/collect/";
  if (location.hash.startsWith(prefix)) {
    const token = location.hash.slice(prefix.length);
    if (/^mnc_[0-9a-f]{64}$/.test(token)) sessionStorage.setItem(LINK_KEY, token);
    history.replaceState(null, "", "#/collect");
  }
}
takeLinkFromAddress();
window.addEventListener("hashchange", takeLinkFromAddress);

async function linkApi(method, path, body) {
  const token = sessionStorage.getItem(LINK_KEY) || "";
  let res;
  try {
    res = await fetch(API + path, {
      method, cache: "no-store", credentials: "omit",
      headers: Object.assign({ Authorization: `Bearer ${token}` }, body === undefined ? {} : { "Content-Type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw Object.assign(new Error(t("network")), { status: 0 });
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw Object.assign(new Error(apiMessage(data, res.status)), { status: res.status, body: data });
  return data;
}

/* a File as base64; a large photo is scaled down (the long side at most
 * 2000 px, JPEG) so that it goes quickly from a phone and stays readable */
async function fileForUpload(file) {
  let blob = file, type = file.type;
  if (/^image\/(jpeg|png)$/.test(type) && file.size > 1500000 && window.createImageBitmap) {
    try {
      const img = await createImageBitmap(file);
      const scale = Math.min(1, 2000 / Math.max(img.width, img.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      blob = await new Promise((ok) => canvas.toBlob(ok, "image/jpeg", 0.85));
      type = "image/jpeg";
    } catch (e) { blob = file; type = file.type; }
  }
  const dataUrl = await new Promise((ok, bad) => {
    const r = new FileReader();
    r.onload = () => ok(r.result);
    r.onerror = () => bad(r.error);
    r.readAsDataURL(blob);
  });
  return { content_type: type, content_base64: String(dataUrl).split(",")[1] || "", size: blob.size };
}

/* a My Number field with live check-digit feedback; returns {input, feedback} */
function numberField(id, label) {
  const feedback = h("p", { id: `${id}-feedback`, "aria-live": "polite", class: "hint" });
  const input = h("input", { id, inputmode: "numeric", autocomplete: "off", "aria-describedby": `${id}-feedback` });
  input.addEventListener("input", () => {
    const c = checkNumber(input.value);
    feedback.textContent = input.value ? t(c.key, { n: c.n }) : "";
    feedback.className = !input.value ? "hint" : c.ok ? "ok" : "bad";
    input.setAttribute("aria-invalid", input.value && !c.ok ? "true" : "false");
  });
  return { input, feedback, nodes: [h("label", { for: id, text: label }), input, feedback] };
}

/* ---- the employee's page --------------------------------------------------- */

async function viewCollect() {
  if (!sessionStorage.getItem(LINK_KEY)) return showScreen([h("h1", { text: t("cl_title") }), h("p", { class: "bad", text: t("cl_no_link") })]);
  let info;
  try { info = await linkApi("GET", "/collect"); } catch (e) {
    return showScreen([h("h1", { text: t("cl_title") }), h("p", { class: "bad", id: "collect-error", text: e.message })]);
  }
  const sent = new Set((info.documents || []).map((d) => d.slot));
  const docStep = (slot, title, hint) => {
    const status = h("p", { id: `doc-${slot}-status`, "aria-live": "polite", class: sent.has(slot) ? "ok" : "hint",
      text: sent.has(slot) ? t("cl_sent", { kb: Math.ceil(((info.documents.find((d) => d.slot === slot) || {}).size || 0) / 1024) }) : "" });
    const preview = h("div", { class: "preview", id: `doc-${slot}-preview` });
    const input = h("input", { id: `doc-${slot}`, type: "file", accept: "image/jpeg,image/png,application/pdf", capture: "environment" });
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      status.textContent = t("cl_sending");
      status.className = "hint";
      try {
        const up = await fileForUpload(file);
        await linkApi("PUT", `/collect/documents/${slot}`, { content_type: up.content_type, content_base64: up.content_base64 });
        sent.add(slot);
        notice("");
        status.textContent = t("cl_sent", { kb: Math.ceil(up.size / 1024) });
        status.className = "ok";
        fill(preview, up.content_type.startsWith("image/")
          ? h("img", { alt: title, src: `data:${up.content_type};base64,${up.content_base64}` }) : null);
      } catch (e) { status.textContent = e.message; status.className = "bad"; }
      input.value = "";
    });
    return h("section", { class: "card step" }, h("h2", { text: title }), h("p", { class: "hint", text: hint }),
      h("label", { for: `doc-${slot}`, text: t("cl_file") }), input, status, preview);
  };
  const own = numberField("cl-number", t("cl_number"));
  const deps = h("div", { id: "cl-deps" });
  let depCount = 0;
  const addDep = () => {
    const i = depCount++;
    const num = numberField(`dep-${i}-number`, t("cl_dep_number"));
    const box = h("fieldset", { class: "dep", "data-dep": i }, h("legend", { text: t("cl_dep_n", { n: deps.children.length + 1 }) }),
      h("label", { for: `dep-${i}-name`, text: t("cl_dep_name") }), h("input", { id: `dep-${i}-name`, autocomplete: "off" }),
      h("label", { for: `dep-${i}-rel`, text: t("cl_dep_rel") }),
      h("select", { id: `dep-${i}-rel` }, ["rel_spouse", "rel_child", "rel_parent", "rel_other"].map((k) =>
        h("option", { value: WORDS.ja[k], text: t(k) }))),
      num.nodes,
      h("button", { class: "secondary", type: "button", text: t("cl_remove"), onclick: () => box.remove() }));
    deps.append(box);
    $(`dep-${i}-name`).focus();
  };
  const form = h("form", { class: "card step", id: "collect-form" },
    h("h2", { text: t("cl_step3") }), own.nodes,
    h("h2", { text: t("cl_deps") }), deps,
    h("button", { class: "secondary", type: "button", id: "cl-add-dep", text: t("cl_add_dep"), onclick: addDep }),
    h("div", {}, h("button", { class: "primary", type: "submit", id: "cl-submit", text: t("cl_submit") })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (DOC_SLOTS.some((s) => !sent.has(s))) return notice(t("cl_need_docs"), true);
    const c = checkNumber(own.input.value);
    if (!c.ok) { notice(t(c.key, { n: c.n }), true); return own.input.focus(); }
    const dependents = [...deps.querySelectorAll("fieldset.dep")].map((f) => {
      const i = f.getAttribute("data-dep");
      return { name: $(`dep-${i}-name`).value.trim(), relationship: $(`dep-${i}-rel`).value, mynumber: normaliseNumber($(`dep-${i}-number`).value) };
    });
    try {
      await linkApi("POST", "/collect", { mynumber: normaliseNumber(own.input.value), dependents });
      sessionStorage.removeItem(LINK_KEY);
      notice("");
      showScreen([h("h1", { text: t("cl_title") }), h("p", { class: "ok", id: "collect-done", text: t("cl_done") })]);
    } catch (e) { notice(e.message, true); }
  });
  const purposes = (info.purposes || []).map((p) => h("li", { text: lang === "ja" ? p.name_ja : p.name_en }));
  showScreen([
    h("h1", { text: t("cl_title") }),
    h("section", { class: "card" },
      h("p", { text: t("cl_for", { tenant: info.tenant_name }) }), h("ul", { id: "cl-purposes" }, purposes),
      h("p", {}, h("strong", { text: `${t("cl_name")}: ` }), h("span", { id: "cl-name", text: info.name })),
      h("p", { class: "hint", text: `${t("cl_until")}: ${formatDate(info.expires_at, true)}` })),
    docStep("number", t("cl_step1"), t("cl_step1_hint")),
    docStep("identity", t("cl_step2"), t("cl_step2_hint")),
    form]);
}

/* ---- the clerk's screen ------------------------------------------------------- */

function stateName(s) { return t(`st_${s}`) === `st_${s}` ? s : t(`st_${s}`); }

async function viewCollections() {
  const base = () => `/tenants/${encodeURIComponent(state.tenant)}/collections`;
  let names = {};
  const issued = h("div", { id: "col-issued", "aria-live": "polite" });
  const listArea = h("div", { id: "col-list" });
  const detail = h("div", { id: "col-detail" });
  const issueForm = h("form", { class: "card", id: "col-form" });

  /* 50 links a page: an office collecting from a whole workforce has
   * hundreds; older pages come with the button under the list */
  const pager = newestFirst(base, "collections", 50);
  async function loadList(reset = true) {
    try {
      names = await purposeNamesOf(state.tenant);
      await pager.read(reset);
      const rows = pager.items.map((c) => h("tr", { "data-collection": c.id },
        h("td", { "data-label": t("col_name"), text: c.name }),
        h("td", { "data-label": t("col_kind"), text: kindName(c.kind) }),
        h("td", { "data-label": t("col_state") }, h("span", { class: c.state === "submitted" ? "bad" : c.state === "confirmed" ? "ok" : "", text: stateName(c.state) })),
        h("td", { "data-label": t("col_created"), text: `${formatDate(c.created_at, true)} ${c.created_by}` }),
        h("td", { "data-label": t("col_expires"), text: formatDate(c.expires_at, true) }),
        h("td", { "data-label": t("col_submitted"), text: c.submitted_at ? formatDate(c.submitted_at, true) : "" }),
        h("td", { "data-label": t("col_actions") },
          state.role === "clerk" && c.state === "open"
            ? h("button", { class: "secondary", type: "button", "data-cancel": c.id, text: t("col_cancel"), onclick: async () => {
                try { await api("DELETE", `${base()}/${c.id}`); notice(t("col_cancelled")); await loadList(); } catch (e) { fail(e); }
              } }) : null,
          state.role === "clerk" && c.person_id
            ? h("button", { class: "secondary", type: "button", "data-review": c.id, text: t("col_review"), onclick: () => review(c) }) : null)));
      fill(listArea, rows.length ? h("table", { class: "responsive", id: "collections" },
        h("thead", {}, h("tr", {}, ["col_name", "col_kind", "col_state", "col_created", "col_expires", "col_submitted", "col_actions"]
          .map((k) => h("th", { scope: "col", text: t(k) })))), h("tbody", {}, rows)) : h("p", { text: t("none") }),
        olderButton("col-older", pager, loadList));
      if (state.role === "clerk" && reset) fillIssueForm();
    } catch (e) { fail(e); }
  }

  function fillIssueForm() {
    fill(issueForm, h("h2", { text: t("col_issue") }),
      h("label", { for: "col-name", text: t("name") }), h("input", { id: "col-name", required: true, autocomplete: "off" }),
      h("label", { for: "col-kind", text: t("kind") }),
      h("select", { id: "col-kind" }, h("option", { value: "employee", text: t("employee") }), h("option", { value: "payee", text: t("payee") })),
      h("label", { for: "col-code", text: t("code") }), h("input", { id: "col-code", autocomplete: "off" }),
      h("fieldset", { id: "col-purposes" }, h("legend", { text: t("purposes") }),
        Object.entries(names).map(([code, label]) => h("label", {}, h("input", { type: "checkbox", name: "col-purpose", value: code }), " " + label))),
      h("label", { for: "col-hours", text: t("col_hours") }),
      h("select", { id: "col-hours" }, [[24, "col_hours_n", 24], [72, "col_days_n", 3], [168, "col_days_n", 7], [336, "col_days_n", 14]]
        .map(([v, k, n]) => h("option", { value: v, selected: v === 72 ? true : null, text: t(k, { n }) }))),
      h("button", { class: "primary", type: "submit", id: "col-issue", text: t("col_issue_do") }));
  }
  issueForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const chosen = [...issueForm.querySelectorAll("input[name=col-purpose]:checked")].map((x) => x.value);
    if (!chosen.length) return notice(t("need_purpose"), true);
    const body = { name: $("col-name").value.trim(), kind: $("col-kind").value, purposes: chosen,
      expires_hours: Number($("col-hours").value), base_url: location.origin };
    if ($("col-code").value.trim()) body.employee_code = $("col-code").value.trim();
    try {
      const r = await api("POST", base(), body);
      const url = h("input", { id: "col-url", readonly: true, value: r.url || location.origin + r.path, class: "mono" });
      fill(issued, h("section", { class: "card" }, h("p", { class: "ok", text: t("col_issued") }),
        h("label", { for: "col-url", text: t("col_url") }), url,
        h("button", { class: "secondary", type: "button", id: "col-copy", text: t("col_copy"), onclick: async () => {
          try { await navigator.clipboard.writeText(url.value); notice(t("col_copied")); } catch (e) { url.select(); }
        } }),
        r.qr_svg ? h("div", { class: "qr" }, h("img", { alt: "QR", id: "col-qr", src: "data:image/svg+xml;base64," + btoa(r.qr_svg) })) : null,
        h("p", { class: "hint", text: `${t("col_expires")}: ${formatDate(r.expires_at, true)}` })));
      await loadList();
    } catch (e) { fail(e); }
  });

  async function review(c) {
    const docs = (c.documents || []).map((d) => {
      const holder = h("div", { class: "preview", id: `review-${d.slot}` });
      return h("div", {}, h("h3", { text: t(`doc_${d.slot}`) }),
        h("button", { class: "secondary", type: "button", "data-doc": d.slot, text: t("doc_show"), onclick: async () => {
          try {
            const f = await api("GET", `${base()}/${c.id}/documents/${d.slot}`);
            const src = `data:${f.content_type};base64,${f.content_base64}`;
            fill(holder, f.content_type === "application/pdf"
              ? h("a", { href: src, download: `${d.slot}.pdf`, text: t("doc_pdf", { kb: Math.ceil(f.size / 1024) }) })
              : h("img", { alt: t(`doc_${d.slot}`), src }));
          } catch (e) { fail(e); }
        } }), holder);
    });
    const sel = (id, keys) => h("select", { id }, keys.map((k) => h("option", { value: t(k), text: t(k) })));
    const check = c.state === "submitted" ? h("form", { id: "check-form" },
      h("h2", { text: t("chk_title") }),
      h("fieldset", {}, h("legend", { text: t("chk_result") }),
        h("label", {}, h("input", { type: "radio", name: "chk-result", value: "confirmed", checked: true }), " " + t("chk_confirmed")),
        h("label", {}, h("input", { type: "radio", name: "chk-result", value: "rejected" }), " " + t("chk_rejected"))),
      h("label", { for: "chk-number", text: t("chk_number") }), sel("chk-number", NUMBER_METHODS),
      h("label", { for: "chk-identity", text: t("chk_identity") }), sel("chk-identity", IDENTITY_METHODS),
      h("label", { for: "chk-note", text: t("chk_note") }), h("textarea", { id: "chk-note", rows: 2 }),
      h("button", { class: "primary", type: "submit", id: "chk-save", text: t("chk_save") })) : 
      h("p", { class: c.state === "confirmed" ? "ok" : "bad", id: "check-state", text: stateName(c.state) +
        (c.identity_check ? ` (${c.identity_check.checked_by}, ${formatDate(c.identity_check.checked_at, true)})` : "") });
    if (c.state === "submitted") check.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const result = check.querySelector("input[name=chk-result]:checked").value;
      const body = { result };
      if (result === "confirmed") { body.number_check = $("chk-number").value; body.identity_check = $("chk-identity").value; }
      if ($("chk-note").value.trim()) body.note = $("chk-note").value.trim();
      try {
        const r = await api("POST", `${base()}/${c.id}/identity-check`, body);
        notice(t("chk_saved"));
        fill(detail, );
        await loadList();
        void r;
      } catch (e) { fail(e); }
    });
    fill(detail, h("section", { class: "card", id: "review" },
      h("h2", { text: `${t("col_review")}: ${c.name}` }),
      h("h3", { text: t("col_docs") }), docs, check,
      /* the images leave the page when the panel closes */
      h("button", { class: "secondary", type: "button", id: "review-close", text: t("col_close"), onclick: () => fill(detail, ) })));
    detail.scrollIntoView();
  }

  const picker = await tenantPicker(() => { fill(issued, ); fill(detail, ); loadList(); });
  show(h("h1", { text: t("col_title") }), picker, issued, state.role === "clerk" ? issueForm : null, detail,
    h("h2", { text: t("col_list") }), listArea);
  await loadList();
}

Object.assign(ROUTES, {
  "#/collect": { view: viewCollect, public: true },
  "#/collections": { view: viewCollections, nav: "nav_collections", roles: ["clerk", "officer"] },
});
