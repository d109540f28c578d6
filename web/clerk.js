/* clerk.js: the clerk's person page (#/person: correct a person, change a
 * reissued number, add and remove dependents, record the end of need,
 * delete) and the export screen (#/export: fields, encoding, encryption,
 * the take-out record, the officer's approval). Loaded after app.js. */
"use strict";

Object.assign(WORDS.ja, {
  details: "詳細", person_title: "本人の詳細", kana: "フリガナ（任意）", birth: "生年月日（任意）",
  edit_title: "登録内容の修正", edit_save: "修正する", edited: "修正しました（{fields}）。", nothing_changed: "変更された項目はありません。",
  new_number: "新しい個人番号（番号が変更された場合のみ）", new_number_hint: "入力した場合だけ番号を置き換えます。変更は監査ログに記録されます。",
  dep_title: "扶養親族", dep_add: "扶養親族を追加", dep_added: "扶養親族を追加しました。", relationship: "続柄",
  dep_remove: "削除", dep_edit: "修正", dep_edited: "扶養親族を修正しました。", dep_reason: "削除の理由", dep_removed: "扶養親族を削除しました。", no_deps: "扶養親族は登録されていません。",
  end_title: "利用の終了（退職など）", end_on: "終了日", end_reason: "理由", end_save: "記録する",
  end_saved: "利用の終了を記録しました。法定の削除日: {d}", reason_retirement: "退職", reason_contract_end: "契約終了", reason_other: "その他",
  del_title: "本人の削除", del_reason: "削除の理由", del_do: "削除する（元に戻せません）", del_confirm: "この本人の個人番号と扶養親族を完全に削除します。よろしいですか？",
  deleted: "削除しました。", del_requested: "削除は責任者の承認待ちです。",
  nav_export: "持出し", export_title: "持出し（CSV出力）", ex_purpose: "利用目的", ex_recipient: "提出先", ex_route: "持出しの方法",
  ex_kind: "対象", ex_all: "すべて", ex_fields: "出力する項目", ex_encoding: "文字コード", ex_unrep: "表せない文字",
  ex_refuse: "エラーにする", ex_replace: "〓に置き換える", ex_protection: "暗号化", ex_zip: "パスワード付きZIP（AES-256）",
  ex_age: "age（受取人の公開鍵）", ex_none: "なし（個人番号を含まない場合のみ）", ex_age_rcpt: "age の受取人（age1...、1行に1つ）",
  ex_do: "出力する", ex_request: "責任者に承認を依頼する", ex_reason: "依頼の理由", ex_requested: "承認を依頼しました（申請 {id}）。",
  ex_done: "{n}人分を出力しました。持出管理記録簿に記録しました（記録 {t}）。", ex_download: "ファイルを保存（{name}）",
  ex_password: "ZIPのパスワード（一度しか表示されません。ファイルとは別の経路で伝えてください）",
  ex_masked: "個人番号を含まないため暗号化していません。", ex_requests: "持出しの申請", ex_status: "状態", ex_use: "承認された内容で出力",
  ex_need_numbers_protection: "個人番号を出力する場合は暗号化が必要です。",
  f_employee_code: "従業員番号", f_name: "氏名", f_name_kana: "フリガナ", f_birth_date: "生年月日", f_kind: "区分",
  f_mynumber: "個人番号", f_dependents: "扶養親族",
  rq_pending: "承認待ち", rq_approved: "承認済み", rq_rejected: "却下", rq_used: "出力済み",
});
Object.assign(WORDS.en, {
  details: "Details", person_title: "Person", kana: "Kana (optional)", birth: "Date of birth (optional)",
  edit_title: "Correct the record", edit_save: "Save", edited: "Saved ({fields}).", nothing_changed: "Nothing was changed.",
  new_number: "New My Number (only when the number was changed)", new_number_hint: "The number is replaced only if you enter one. The change is in the audit log.",
  dep_title: "Dependents", dep_add: "Add a dependent", dep_added: "The dependent is added.", relationship: "Relationship",
  dep_remove: "Remove", dep_edit: "Correct", dep_edited: "The dependent is corrected.", dep_reason: "Reason for removal", dep_removed: "The dependent is removed.", no_deps: "No dependents.",
  end_title: "End of need (retirement etc.)", end_on: "Ended on", end_reason: "Reason", end_save: "Record",
  end_saved: "The end of need is recorded. Legal deletion date: {d}", reason_retirement: "Retirement", reason_contract_end: "End of contract", reason_other: "Other",
  del_title: "Delete the person", del_reason: "Reason", del_do: "Delete (cannot be undone)", del_confirm: "The person's number and dependents will be deleted for good. Continue?",
  deleted: "Deleted.", del_requested: "The deletion waits for an officer's approval.",
  nav_export: "Export", export_title: "Export (CSV)", ex_purpose: "Purpose", ex_recipient: "Recipient", ex_route: "How it is taken out",
  ex_kind: "Persons", ex_all: "All", ex_fields: "Fields", ex_encoding: "Encoding", ex_unrep: "Characters that cannot be written",
  ex_refuse: "Refuse", ex_replace: "Replace with 〓", ex_protection: "Encryption", ex_zip: "ZIP with a password (AES-256)",
  ex_age: "age (the recipient's public key)", ex_none: "None (only without My Numbers)", ex_age_rcpt: "age recipients (age1..., one per line)",
  ex_do: "Export", ex_request: "Ask an officer for approval", ex_reason: "Reason", ex_requested: "Approval requested (request {id}).",
  ex_done: "{n} persons exported; the take-out register has the entry (entry {t}).", ex_download: "Save the file ({name})",
  ex_password: "The ZIP password (shown only once; send it by another way than the file)",
  ex_masked: "No My Number in the file, so it is not encrypted.", ex_requests: "Export requests", ex_status: "Status", ex_use: "Export as approved",
  ex_need_numbers_protection: "An export with My Numbers must be encrypted.",
  f_employee_code: "Employee code", f_name: "Name", f_name_kana: "Kana", f_birth_date: "Date of birth", f_kind: "Kind",
  f_mynumber: "My Number", f_dependents: "Dependents",
  rq_pending: "Pending", rq_approved: "Approved", rq_rejected: "Rejected", rq_used: "Exported",
});

const EXPORT_FIELDS = ["employee_code", "name", "name_kana", "birth_date", "kind", "mynumber", "dependents"];

function openPerson(id) {
  state.personId = id;
  return navigate("#/person");
}

/* ---- one person -------------------------------------------------------------- */

async function viewPerson() {
  if (!state.personId || !state.tenant) return navigate("#/persons");
  const base = `/tenants/${encodeURIComponent(state.tenant)}/persons/${state.personId}`;
  let p, names;
  try { [p, names] = await Promise.all([api("GET", base), purposeNamesOf(state.tenant)]); } catch (e) { return fail(e); }
  const clerk = state.role === "clerk";
  const reload = () => render();
  const summary = h("section", { class: "card", id: "person-summary" },
    h("h1", { text: `${t("person_title")}: ${p.name}` }),
    h("p", {}, h("span", { class: "hint", text: `${t("col_id")} ${p.id} / ${kindName(p.kind)} / ${t("col_number")}: ` }),
      h("span", { class: "mono", id: "person-masked", text: p.mynumber_masked || "" })),
    h("p", {}, (p.purposes || []).map((c) => h("span", { class: "badge", text: names[c] || c }), " ")),
    clerk ? h("button", { class: "secondary", type: "button", id: "person-reveal", text: t("reveal"), onclick: () => revealDialog(p, names) }) : null,
    h("button", { class: "secondary", type: "button", text: t("nav_persons"), onclick: () => navigate("#/persons") }));

  /* correcting the record; the number only when a new one is typed */
  const num = numberField("edit-number", t("new_number"));
  const edit = h("form", { class: "card", id: "edit-form" }, h("h2", { text: t("edit_title") }),
    h("label", { for: "edit-name", text: t("name") }), h("input", { id: "edit-name", value: p.name, required: true, autocomplete: "off" }),
    h("label", { for: "edit-kana", text: t("kana") }), h("input", { id: "edit-kana", value: p.name_kana || "", autocomplete: "off" }),
    h("label", { for: "edit-birth", text: t("birth") }), h("input", { id: "edit-birth", type: "date", value: p.birth_date || "" }),
    h("label", { for: "edit-code", text: t("code") }), h("input", { id: "edit-code", value: p.employee_code || "", autocomplete: "off" }),
    h("fieldset", { id: "edit-purposes" }, h("legend", { text: t("purposes") }),
      Object.entries(names).map(([code, label]) => h("label", {},
        h("input", { type: "checkbox", name: "edit-purpose", value: code, checked: (p.purposes || []).includes(code) ? true : null }), " " + label))),
    num.nodes, h("p", { class: "hint", text: t("new_number_hint") }),
    h("button", { class: "primary", type: "submit", id: "edit-save", text: t("edit_save") }));
  edit.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {};
    const text = (id, key, old) => { const v = $(id).value.trim(); if (v !== (old || "")) body[key] = v === "" && key !== "name" ? null : v; };
    text("edit-name", "name", p.name); text("edit-kana", "name_kana", p.name_kana);
    text("edit-birth", "birth_date", p.birth_date); text("edit-code", "employee_code", p.employee_code);
    const chosen = [...edit.querySelectorAll("input[name=edit-purpose]:checked")].map((x) => x.value).sort();
    if (!chosen.length) return notice(t("need_purpose"), true);
    if (chosen.join() !== [...(p.purposes || [])].sort().join()) body.purposes = chosen;
    if (num.input.value.trim()) {
      const c = checkNumber(num.input.value);
      if (!c.ok) { notice(t(c.key, { n: c.n }), true); return num.input.focus(); }
      body.mynumber = normaliseNumber(num.input.value);
    }
    num.input.value = "";
    if (!Object.keys(body).length) return notice(t("nothing_changed"));
    try {
      const r = await api("PUT", base, body);
      await reload();
      notice(t("edited", { fields: (r.updated || []).map((f) => t(`f_${f}`) === `f_${f}` ? f : t(`f_${f}`)).join("、") }));
    } catch (e) { fail(e); }
  });

  /* dependents: masked, removable with a reason; a new one with live check digit */
  /* a dependent corrected in place: the fields that changed, a new number only when typed */
  const depEdit = (d, li) => {
    const dn = numberField(`dep-${d.id}-number`, t("new_number"));
    const f = h("form", { class: "dep-edit", id: `dep-edit-${d.id}` },
      h("label", { for: `dep-${d.id}-name`, text: t("name") }), h("input", { id: `dep-${d.id}-name`, value: d.name, required: true, autocomplete: "off" }),
      h("label", { for: `dep-${d.id}-rel`, text: t("relationship") }), h("input", { id: `dep-${d.id}-rel`, value: d.relationship, required: true, autocomplete: "off" }),
      h("label", { for: `dep-${d.id}-kana`, text: t("kana") }), h("input", { id: `dep-${d.id}-kana`, value: d.name_kana || "", autocomplete: "off" }),
      h("label", { for: `dep-${d.id}-birth`, text: t("birth") }), h("input", { id: `dep-${d.id}-birth`, type: "date", value: d.birth_date || "" }),
      dn.nodes,
      h("button", { class: "primary", type: "submit", "data-save": d.id, text: t("edit_save") }));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = {};
      const text = (id, key, old, nullable) => { const v = $(id).value.trim(); if (v !== (old || "")) body[key] = v === "" && nullable ? null : v; };
      text(`dep-${d.id}-name`, "name", d.name, false); text(`dep-${d.id}-rel`, "relationship", d.relationship, false);
      text(`dep-${d.id}-kana`, "name_kana", d.name_kana, true); text(`dep-${d.id}-birth`, "birth_date", d.birth_date, true);
      if (dn.input.value.trim()) {
        const c = checkNumber(dn.input.value);
        if (!c.ok) { notice(t(c.key, { n: c.n }), true); return dn.input.focus(); }
        body.mynumber = normaliseNumber(dn.input.value);
      }
      dn.input.value = "";
      if (!Object.keys(body).length) return notice(t("nothing_changed"));
      try { await api("PUT", `${base}/dependents/${d.id}`, body); await reload(); notice(t("dep_edited")); } catch (e) { fail(e); }
    });
    li.append(f);
    $(`dep-${d.id}-name`).focus();
  };
  const deps = (p.dependents || []).map((d) => h("li", { "data-dependent": d.id },
    h("span", { text: `${d.name}（${d.relationship}） ` }), h("span", { class: "mono", text: d.mynumber_masked || "" }), " ",
    clerk ? h("button", { class: "secondary", type: "button", "data-edit": d.id, text: t("dep_edit"), onclick: (ev) => {
      const li = ev.target.closest("li");
      if (!li.querySelector("form")) depEdit(d, li);
    } }) : null, " ",
    clerk ? h("button", { class: "secondary", type: "button", "data-remove": d.id, text: t("dep_remove"), onclick: async () => {
      const reason = window.prompt(t("dep_reason"), "");
      if (reason === null) return;
      try { await api("DELETE", `${base}/dependents/${d.id}`, reason.trim() ? { reason: reason.trim() } : {}); await reload(); notice(t("dep_removed")); }
      catch (e) { fail(e); }
    } }) : null));
  const dnum = numberField("dep-number", t("number"));
  const depForm = h("form", { id: "dep-form" }, h("h3", { text: t("dep_add") }),
    h("label", { for: "dep-name", text: t("name") }), h("input", { id: "dep-name", required: true, autocomplete: "off" }),
    h("label", { for: "dep-rel", text: t("relationship") }),
    h("select", { id: "dep-rel" }, ["rel_spouse", "rel_child", "rel_parent", "rel_other"].map((k) => h("option", { value: WORDS.ja[k], text: t(k) }))),
    h("label", { for: "dep-kana", text: t("kana") }), h("input", { id: "dep-kana", autocomplete: "off" }),
    h("label", { for: "dep-birth", text: t("birth") }), h("input", { id: "dep-birth", type: "date" }),
    dnum.nodes, h("button", { class: "primary", type: "submit", id: "dep-save", text: t("dep_add") }));
  depForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const c = checkNumber(dnum.input.value);
    if (!c.ok) { notice(t(c.key, { n: c.n }), true); return dnum.input.focus(); }
    const body = { name: $("dep-name").value.trim(), relationship: $("dep-rel").value, mynumber: normaliseNumber(dnum.input.value) };
    if ($("dep-kana").value.trim()) body.name_kana = $("dep-kana").value.trim();
    if ($("dep-birth").value) body.birth_date = $("dep-birth").value;
    dnum.input.value = "";
    try { await api("POST", `${base}/dependents`, body); await reload(); notice(t("dep_added")); } catch (e) { fail(e); }
  });
  const depCard = h("section", { class: "card", id: "dependents" }, h("h2", { text: t("dep_title") }),
    deps.length ? h("ul", {}, deps) : h("p", { text: t("no_deps") }), clerk ? depForm : null);

  /* the end of need starts the keeping period; deletion is for good */
  const endForm = h("form", { class: "card", id: "end-form" }, h("h2", { text: t("end_title") }),
    h("label", { for: "end-on", text: t("end_on") }), h("input", { id: "end-on", type: "date", required: true }),
    h("label", { for: "end-reason", text: t("end_reason") }),
    h("select", { id: "end-reason" }, ["retirement", "contract_end", "other"].map((k) => h("option", { value: k, text: t(`reason_${k}`) }))),
    h("button", { class: "primary", type: "submit", id: "end-save", text: t("end_save") }));
  endForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("PUT", `${base}/end`, { ended_on: $("end-on").value, reason: $("end-reason").value });
      notice(t("end_saved", { d: formatDate(r.legal_on) }));
    } catch (e) { fail(e); }
  });
  const delForm = h("form", { class: "card", id: "delete-form" }, h("h2", { text: t("del_title") }),
    h("label", { for: "del-reason", text: t("del_reason") }), h("input", { id: "del-reason", required: true, autocomplete: "off" }),
    h("button", { class: "secondary danger", type: "submit", id: "del-do", text: t("del_do") }));
  delForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!window.confirm(t("del_confirm"))) return;
    try {
      const r = await api("DELETE", base, { reason: $("del-reason").value.trim() });
      await navigate("#/persons");
      notice(r && r.request_id ? t("del_requested") : t("deleted"));
    } catch (e) { fail(e); }
  });
  show(summary, clerk ? edit : null, depCard, clerk ? endForm : null, delForm);
}

/* ---- export ---------------------------------------------------------------------- */

function downloadLink(r) {
  const src = `data:${r.content_type};base64,${r.content_base64}`;
  return h("a", { href: src, download: r.file_name, id: "export-download", class: "button", text: t("ex_download", { name: r.file_name }) });
}

async function viewExport() {
  const tbase = () => `/tenants/${encodeURIComponent(state.tenant)}`;
  const out = h("div", { id: "export-out", "aria-live": "polite" });
  const reqArea = h("div", { id: "export-requests" });
  const form = h("form", { class: "card", id: "export-form" });
  let names = {};

  function spec() {
    const fields = [...form.querySelectorAll("input[name=ex-field]:checked")].map((x) => x.value);
    const protection = form.querySelector("input[name=ex-protection]:checked").value;
    const body = { purpose: $("ex-purpose").value, recipient: $("ex-recipient").value.trim(), route: $("ex-route").value.trim(),
      fields, encoding: $("ex-encoding").value, unrepresentable: $("ex-unrep").value, protection };
    if ($("ex-kind").value) body.kind = $("ex-kind").value;
    if (protection === "age") body.age_recipients = $("ex-age").value.split(/\s+/).filter(Boolean);
    return body;
  }
  function shown(r) {
    fill(out, h("section", { class: "card" },
      h("p", { class: "ok", id: "export-done", text: t("ex_done", { n: r.persons, t: r.takeout_id }) }),
      r.password ? h("div", {}, h("p", { text: t("ex_password") }), h("output", { class: "revealed mono", id: "export-password", text: r.password })) : null,
      r.note ? h("p", { class: "hint", id: "export-note", text: t("ex_masked") }) : null,
      downloadLink(r)));
  }
  /* the business's requests, newest first, 100 a page; the clerk's own shown */
  const requests = newestFirst(() => `${tbase()}/export-requests`, "requests", 100);
  async function loadRequests(reset = true) {
    try {
      await requests.read(reset);
      /* "use" acts on the business the requests were read for */
      const readFor = requests.path.replace(/\/export-requests$/, "");
      const mine = requests.items.filter((q) => q.requested_by === state.user);
      const status = (s) => (t(`rq_${s}`) === `rq_${s}` ? s : t(`rq_${s}`));
      fill(reqArea, mine.length || requests.next ? h("h2", { text: t("ex_requests") }) : null,
        mine.length ? table("export-request-list", ["col_id", "ex_status", "col_actions"],
          mine.map((q) => [String(q.id), status(q.status), q.status === "approved"
            ? h("button", { class: "secondary", type: "button", "data-use": q.id, text: t("ex_use"), onclick: async () => {
                try { shown(await api("POST", `${readFor}/exports`, { request_id: q.id })); await loadRequests(); } catch (e) { fail(e); }
              } }) : ""])) : null,
        olderButton("ex-requests-older", requests, loadRequests));
    } catch (e) { fail(e); }
  }
  async function build() {
    try { names = await purposeNamesOf(state.tenant); } catch (e) { return fail(e); }
    const radio = (value, key, checked) => h("label", {}, h("input", { type: "radio", name: "ex-protection", value, checked: checked ? true : null }), " " + t(key));
    fill(form, h("h2", { text: t("export_title") }),
      h("label", { for: "ex-purpose", text: t("ex_purpose") }), h("select", { id: "ex-purpose" }, Object.entries(names).map(([c, l]) => h("option", { value: c, text: l }))),
      h("label", { for: "ex-recipient", text: t("ex_recipient") }), h("input", { id: "ex-recipient", required: true, autocomplete: "off" }),
      h("label", { for: "ex-route", text: t("ex_route") }), h("input", { id: "ex-route", required: true, autocomplete: "off" }),
      h("label", { for: "ex-kind", text: t("ex_kind") }),
      h("select", { id: "ex-kind" }, h("option", { value: "", text: t("ex_all") }), h("option", { value: "employee", text: t("employee") }), h("option", { value: "payee", text: t("payee") })),
      h("fieldset", { id: "ex-fields" }, h("legend", { text: t("ex_fields") }), EXPORT_FIELDS.map((f) =>
        h("label", {}, h("input", { type: "checkbox", name: "ex-field", value: f, checked: ["employee_code", "name", "mynumber"].includes(f) ? true : null }), " " + t(`f_${f}`)))),
      h("label", { for: "ex-encoding", text: t("ex_encoding") }),
      h("select", { id: "ex-encoding" }, [["utf-8", "UTF-8 (BOM)"], ["shift_jis", "Shift_JIS (CP932)"], ["jis0208", "JIS X 0208"]].map(([v, l]) => h("option", { value: v, text: l }))),
      h("label", { for: "ex-unrep", text: t("ex_unrep") }),
      h("select", { id: "ex-unrep" }, h("option", { value: "refuse", text: t("ex_refuse") }), h("option", { value: "replace", text: t("ex_replace") })),
      h("fieldset", { id: "ex-protection" }, h("legend", { text: t("ex_protection") }), radio("zip", "ex_zip", true), radio("age", "ex_age"), radio("none", "ex_none")),
      h("label", { for: "ex-age", text: t("ex_age_rcpt") }), h("textarea", { id: "ex-age", rows: 2, class: "mono" }),
      h("label", { for: "ex-reason", text: t("ex_reason") }), h("input", { id: "ex-reason", autocomplete: "off" }),
      h("div", {}, h("button", { class: "primary", type: "submit", id: "ex-do", text: t("ex_do") }),
        h("button", { class: "secondary", type: "button", id: "ex-request", text: t("ex_request"), onclick: async () => {
          try {
            const body = spec();
            if ($("ex-reason").value.trim()) body.reason = $("ex-reason").value.trim();
            const r = await api("POST", `${tbase()}/export-requests`, body);
            notice(t("ex_requested", { id: r.request_id }));
            await loadRequests();
          } catch (e) { fail(e); }
        } })));
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = spec();
    if (body.fields.includes("mynumber") && body.protection === "none") return notice(t("ex_need_numbers_protection"), true);
    try { shown(await api("POST", `${tbase()}/exports`, body)); } catch (e) { fail(e); }
  });
  const picker = await tenantPicker(async () => { fill(out, ); await build(); await loadRequests(); });
  show(h("h1", { text: t("export_title") }), picker, form, out, reqArea);
  await build();
  await loadRequests();
}

Object.assign(ROUTES, {
  "#/person": { view: viewPerson, roles: ["clerk", "officer"] },
  "#/export": { view: viewExport, nav: "nav_export", roles: ["clerk"] },
});
