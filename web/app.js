/*
 * mnsafe web UI (issue 9): one page, talking only to the JSON API
 * (/api/v1) with the browser session (an HttpOnly cookie and the CSRF
 * token). Japanese first, English by the switch. No data is ever put into
 * the page as HTML: every text goes in through textContent. A revealed
 * number stays in the page for a limited time, then its node is removed.
 */
"use strict";

const API = "/api/v1";
const REVEAL_SECONDS_DEFAULT = 30;

/* ---- words -------------------------------------------------------------- */

const WORDS = {
  ja: {
    skip: "本文へ移動", menu: "メニュー", logout: "ログアウト", switch_lang: "English",
    login_title: "ログイン", user: "ユーザー名", password: "パスワード", otp: "確認コード（6桁）",
    otp_hint: "認証アプリに表示されている6桁のコードを入力してください。",
    login: "ログイン", logged_out: "ログアウトしました。",
    session_ended: "セッションが終了しました（時間切れ、別の場所でのログイン、またはログアウト）。もう一度ログインしてください。",
    pw_title: "パスワードの変更", pw_forced: "初回ログインです。新しいパスワードを決めてください。",
    pw_old: "現在のパスワード", pw_new: "新しいパスワード", pw_confirm: "新しいパスワード（確認）",
    pw_mismatch: "新しいパスワードが一致しません。", pw_change: "変更する",
    pw_changed: "パスワードを変更しました。新しいパスワードでログインしてください。",
    mfa_title: "二要素認証（TOTP）の登録", mfa_intro: "認証アプリでQRコードを読み取り、表示されたコードを入力してください。",
    mfa_start: "登録を始める", mfa_confirm: "確認して有効にする", mfa_done: "二要素認証を有効にしました。",
    mfa_recovery: "回復コード（一度だけ表示されます。安全な場所に保管してください）",
    mfa_uri: "手入力用のURI", nav_persons: "本人一覧", nav_mfa: "二要素認証", nav_password: "パスワード",
    nav_audit: "監査ログ", nav_import: "取込み",
    tenant: "事業者", persons_title: "本人一覧（個人番号はマスク表示）", search_name: "氏名で検索",
    search_number: "個人番号で検索", search: "検索", clear: "解除", next: "次へ", show_older: "さらに古いものを表示", add_person: "本人を追加",
    col_id: "ID", col_name: "氏名", col_kana: "フリガナ", col_kind: "区分", col_code: "従業員番号",
    col_number: "個人番号", col_purposes: "利用目的", col_deps: "扶養親族", col_actions: "操作",
    employee: "従業員", payee: "支払先", reveal: "表示", none: "該当する本人はいません。",
    add_title: "本人の登録", name: "氏名", kind: "区分", code: "従業員番号（任意）", number: "個人番号（12桁）",
    purposes: "利用目的", save: "登録する", cancel: "取り消す", added: "登録しました（ID {id}）。",
    cd_ok: "チェックデジットが一致しました。", cd_bad: "チェックデジット（最後の桁）が一致しません。",
    cd_len: "12桁の数字を入力してください（あと{n}桁）。", cd_chars: "数字以外の文字があります。",
    need_purpose: "利用目的を一つ以上選んでください。",
    reveal_title: "個人番号の表示", reveal_purpose: "表示する目的", reveal_note:
      "表示は監査ログに記録されます。表示された番号は{s}秒後に画面から消えます。",
    reveal_do: "表示する", hide: "隠す", hides_in: "あと{s}秒で隠します",
    dependents: "扶養親族", audit_title: "監査ログ", verify: "改ざん検査", intact: "改ざんはありません（{n}件、チェックポイント{c}件）。",
    broken: "改ざんを検知しました（{seq}番目）: {problem}", col_seq: "番号", col_time: "日時", col_actor: "利用者",
    col_action: "操作", col_subject: "対象", col_purpose: "目的", col_result: "結果", older: "前へ", newer: "次へ",
    import_title: "CSV取込み", import_file: "CSVファイル（UTF-8 または Shift_JIS）", import_purposes: "利用目的",
    import_check: "検査する", import_rows: "{rows}行: 正常な本人 {ok}件、エラー {bad}行",
    import_errors: "エラーのある行", col_row: "行", col_column: "列", col_message: "内容",
    import_store: "正常な行だけ登録する", import_store_all: "登録する", import_discard: "破棄する",
    import_stored: "{n}件を登録しました。", import_discarded: "取込みを破棄しました。", progress: "送信中… {p}%",
    error: "エラー", network: "サーバーに接続できません。",
    nav_ledger: "管理台帳", nav_due: "削除予定", nav_system: "システム",
    ledger_title: "特定個人情報ファイル管理台帳", col_file: "ファイル", col_responsible: "責任者", col_access: "取扱者",
    col_persons: "本人数", col_due: "削除予定", col_disposed: "廃棄済み", review_due: "定期点検の時期です（前回: {last}）。",
    review_ok: "前回の点検: {last}", never: "なし",
    due_title: "削除予定（保存期間の満了）", col_reason: "終了理由", col_legal: "法定の削除日", col_scheduled: "削除予定日",
    col_hold: "保留", held: "保留中", is_due: "期限到来", system_title: "システムの状態", seal_state: "封印状態",
    sealed: "封印中（鍵がありません）", unsealed: "解錠済み", seal_mode: "方式", users_title: "利用者",
    col_role: "役割", col_tenants: "担当事業者", col_disabled: "状態", disabled: "停止", active: "有効",
  },
  en: {
    skip: "Skip to content", menu: "Menu", logout: "Log out", switch_lang: "日本語",
    login_title: "Log in", user: "User name", password: "Password", otp: "One-time code (6 digits)",
    otp_hint: "Enter the 6-digit code your authenticator app shows.",
    login: "Log in", logged_out: "You have logged out.",
    session_ended: "Your session has ended (timed out, logged in elsewhere, or logged out). Please log in again.",
    pw_title: "Change password", pw_forced: "This is your first login. Choose a new password.",
    pw_old: "Current password", pw_new: "New password", pw_confirm: "New password (again)",
    pw_mismatch: "The new passwords differ.", pw_change: "Change",
    pw_changed: "Your password has been changed. Log in with the new one.",
    mfa_title: "Two-factor authentication (TOTP)", mfa_intro: "Scan the QR code with your authenticator app, then enter the code it shows.",
    mfa_start: "Start", mfa_confirm: "Confirm and turn on", mfa_done: "Two-factor authentication is on.",
    mfa_recovery: "Recovery codes (shown once; keep them somewhere safe)",
    mfa_uri: "URI for manual entry", nav_persons: "Persons", nav_mfa: "Two-factor", nav_password: "Password",
    nav_audit: "Audit log", nav_import: "Import",
    tenant: "Business", persons_title: "Persons (numbers masked)", search_name: "Search by name",
    search_number: "Search by My Number", search: "Search", clear: "Clear", next: "Next", show_older: "Show older", add_person: "Add a person",
    col_id: "ID", col_name: "Name", col_kana: "Kana", col_kind: "Kind", col_code: "Employee code",
    col_number: "My Number", col_purposes: "Purposes", col_deps: "Dependents", col_actions: "Actions",
    employee: "Employee", payee: "Payee", reveal: "Reveal", none: "No persons match.",
    add_title: "Add a person", name: "Name", kind: "Kind", code: "Employee code (optional)", number: "My Number (12 digits)",
    purposes: "Purposes", save: "Save", cancel: "Cancel", added: "Saved (ID {id}).",
    cd_ok: "The check digit matches.", cd_bad: "The check digit (the last digit) does not match.",
    cd_len: "Enter 12 digits ({n} more).", cd_chars: "There is a character that is not a digit.",
    need_purpose: "Choose at least one purpose.",
    reveal_title: "Reveal the My Number", reveal_purpose: "Purpose", reveal_note:
      "The reveal is written to the audit log. The number leaves the screen after {s} seconds.",
    reveal_do: "Reveal", hide: "Hide", hides_in: "Hidden in {s} s",
    dependents: "Dependents", audit_title: "Audit log", verify: "Verify", intact: "Intact ({n} entries, {c} checkpoints).",
    broken: "Tampering found at entry {seq}: {problem}", col_seq: "Seq", col_time: "Time", col_actor: "User",
    col_action: "Action", col_subject: "Subject", col_purpose: "Purpose", col_result: "Result", older: "Previous", newer: "Next",
    import_title: "CSV import", import_file: "CSV file (UTF-8 or Shift_JIS)", import_purposes: "Purposes",
    import_check: "Check", import_rows: "{rows} rows: {ok} valid persons, {bad} rows with errors",
    import_errors: "Rows with errors", col_row: "Row", col_column: "Column", col_message: "Problem",
    import_store: "Store the valid rows only", import_store_all: "Store", import_discard: "Discard",
    import_stored: "{n} persons stored.", import_discarded: "The import was discarded.", progress: "Sending… {p}%",
    error: "Error", network: "The server cannot be reached.",
    nav_ledger: "Ledger", nav_due: "Due for deletion", nav_system: "System",
    ledger_title: "Ledger of files of specific personal information", col_file: "File", col_responsible: "Responsible",
    col_access: "Handled by", col_persons: "Persons", col_due: "Due for deletion", col_disposed: "Disposed",
    review_due: "The periodic review is due (last: {last}).", review_ok: "Last review: {last}", never: "never",
    due_title: "Due for deletion (keeping period over)", col_reason: "Reason", col_legal: "Legal deletion date",
    col_scheduled: "Scheduled", col_hold: "Hold", held: "held", is_due: "due", system_title: "System status",
    seal_state: "Seal", sealed: "sealed (no keys)", unsealed: "unsealed", seal_mode: "Mode", users_title: "Users",
    col_role: "Role", col_tenants: "Businesses", col_disabled: "State", disabled: "disabled", active: "active",
  },
};

let lang = localStorage.getItem("mnsafe.lang") === "en" ? "en" : "ja";
function t(key, vars) {
  let s = (WORDS[lang] && WORDS[lang][key]) || WORDS.ja[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}

/* ---- dates: Japanese style with the era beside the Western year -------- */

const ERAS = [
  { name: "令和", en: "Reiwa", start: [2019, 5, 1] },
  { name: "平成", en: "Heisei", start: [1989, 1, 8] },
  { name: "昭和", en: "Showa", start: [1926, 12, 25] },
];
function eraOf(y, m, d) {
  for (const e of ERAS) {
    const [sy, sm, sd] = e.start;
    if (y > sy || (y === sy && (m > sm || (m === sm && d >= sd)))) return { e, year: y - sy + 1 };
  }
  return null;
}
/* "2026-11-27" or a timestamp -> 2026年11月27日（令和8年） / 27 Nov 2026 */
function formatDate(value, withTime) {
  if (!value) return "";
  const dt = typeof value === "number" ? new Date(value) : new Date(String(value).length === 10 ? value + "T00:00:00" : value);
  if (isNaN(dt)) return String(value);
  const y = dt.getFullYear(), m = dt.getMonth() + 1, d = dt.getDate();
  const time = withTime ? " " + String(dt.getHours()).padStart(2, "0") + ":" + String(dt.getMinutes()).padStart(2, "0") +
    ":" + String(dt.getSeconds()).padStart(2, "0") : "";
  const era = eraOf(y, m, d);
  if (lang === "ja") {
    const e = era ? `（${era.e.name}${era.year === 1 ? "元" : era.year}年）` : "";
    return `${y}年${m}月${d}日${e}${time}`;
  }
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${d} ${months[m - 1]} ${y}${era ? ` (${era.e.en} ${era.year})` : ""}${time}`;
}

/* ---- My Number check digit (the same rule as lib/core) ------------------ */

function normaliseNumber(text) {
  return String(text).replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[\s\-－‐]/g, "");
}
/* {ok: bool, key: word key, n?: missing digits} */
function checkNumber(text) {
  const s = normaliseNumber(text);
  if (/[^0-9]/.test(s)) return { ok: false, key: "cd_chars" };
  if (s.length !== 12) return { ok: false, key: "cd_len", n: Math.max(0, 12 - s.length) };
  let sum = 0;
  for (let i = 0; i < 11; i++) {
    const n = 11 - i; /* position from the right, 1-based, of digit i */
    sum += Number(s[i]) * (n <= 6 ? n + 1 : n - 5);
  }
  const r = sum % 11, check = r <= 1 ? 0 : 11 - r;
  return Number(s[11]) === check ? { ok: true, key: "cd_ok" } : { ok: false, key: "cd_bad" };
}

/* ---- the page ------------------------------------------------------------- */

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
const $ = (id) => document.getElementById(id);
/* replaceChildren without the nulls of optional parts (it would print "null") */
function fill(el, ...nodes) {
  el.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined));
}

function notice(text, isError) {
  const n = $("notice");
  n.textContent = text || "";
  n.className = isError ? "error" : "";
}
function apiMessage(body, status) {
  const e = body && body.error;
  if (!e) return `${t("error")} (HTTP ${status})`;
  const msg = lang === "ja" ? e.message_ja || e.message : e.message || e.message_ja;
  return e.field ? `${msg} [${e.field}]` : msg;
}

const state = { user: null, role: null, csrf: sessionStorage.getItem("mnsafe.csrf") || "", tenant: null };

/* render() counts screens: a GET answered after the user moved on to
 * another screen is dropped (as handled), so a slow screen cannot draw
 * itself over the one the user chose since */
let renderGen = 0;

async function api(method, path, body, opts) {
  const gen = renderGen;
  const headers = {};
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  let res;
  try {
    res = await fetch(API + path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : body instanceof Blob || body instanceof ArrayBuffer ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw Object.assign(new Error(t("network")), { status: 0 });
  }
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (method === "GET" && gen !== renderGen && !(opts && opts.login))
    throw Object.assign(new Error("stale"), { status: 0, handled: true, stale: true });
  if (!res.ok) {
    /* a session that ended (idle, replaced, logged out elsewhere) */
    if (res.status === 401 && state.user && !(opts && opts.login)) {
      endSession(t("session_ended"));
      throw Object.assign(new Error(t("session_ended")), { status: 401, handled: true });
    }
    throw Object.assign(new Error(apiMessage(data, res.status)), { status: res.status, body: data });
  }
  return data;
}

/* goes to a screen without a hashchange event (whose handler clears the notice) */
function navigate(hash) {
  if (location.hash !== hash) history.pushState(null, "", hash);
  return render();
}

function endSession(message) {
  state.user = state.role = null;
  state.csrf = "";
  sessionStorage.removeItem("mnsafe.csrf");
  navigate("#/login");
  notice(message, false);
}

/* puts a screen into the page; a screen that needs a session is dropped if
 * the session ended while it was loading (the login screen is up by then) */
function show(...nodes) {
  if (!state.user) return;
  showScreen(nodes);
}
function showScreen(nodes) {
  const main = $("main");
  main.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
  const first = main.querySelector("h1");
  if (first) first.setAttribute("tabindex", "-1");
}
function fail(e) {
  if (!e.handled) notice(e.message, true);
}

/* ---- login, password, two factors ---------------------------------------- */

function viewLogin() {
  const otpRow = h("div", { id: "otp-row", hidden: true },
    h("label", { for: "otp", text: t("otp") }),
    h("input", { id: "otp", name: "otp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "8" }),
    h("p", { class: "hint", text: t("otp_hint") }));
  const form = h("form", { class: "card", id: "login-form", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title", text: t("login_title") }),
    h("label", { for: "user", text: t("user") }),
    h("input", { id: "user", name: "user", autocomplete: "username", required: true }),
    h("label", { for: "password", text: t("password") }),
    h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    otpRow,
    h("button", { class: "primary", type: "submit", id: "login-submit", text: t("login") }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { user: $("user").value, password: $("password").value, cookie: true };
    if (!otpRow.hidden && $("otp").value) body.otp = $("otp").value.trim();
    try {
      const r = await api("POST", "/sessions", body, { login: true });
      state.csrf = r.csrf_token;
      sessionStorage.setItem("mnsafe.csrf", state.csrf);
      state.user = r.user;
      state.role = r.role;
      notice("");
      navigate(r.must_change_password ? "#/password" : homeOf(r.role));
    } catch (e) {
      if (e.body && e.body.error && e.body.error.code === "mfa") {
        otpRow.hidden = false;
        $("otp").focus();
      }
      fail(e);
    }
  });
  showScreen([form]);
  $("user").focus();
}

function viewPassword(forced) {
  const form = h("form", { class: "card", id: "password-form" },
    h("h1", { text: t("pw_title") }),
    forced ? h("p", { text: t("pw_forced") }) : null,
    h("label", { for: "pw-old", text: t("pw_old") }),
    h("input", { id: "pw-old", type: "password", autocomplete: "current-password", required: true }),
    h("label", { for: "pw-new", text: t("pw_new") }),
    h("input", { id: "pw-new", type: "password", autocomplete: "new-password", required: true }),
    h("label", { for: "pw-confirm", text: t("pw_confirm") }),
    h("input", { id: "pw-confirm", type: "password", autocomplete: "new-password", required: true }),
    h("button", { class: "primary", type: "submit", text: t("pw_change") }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if ($("pw-new").value !== $("pw-confirm").value) return notice(t("pw_mismatch"), true);
    try {
      await api("POST", "/users/me/password", { old_password: $("pw-old").value, new_password: $("pw-new").value });
      /* the change ends every session of the user */
      state.user = null;
      endSession(t("pw_changed"));
    } catch (e) { fail(e); }
  });
  show(form);
}

function viewMfa() {
  const area = h("div", { id: "mfa-area" });
  const start = h("button", { class: "primary", type: "button", id: "mfa-start", text: t("mfa_start") });
  start.addEventListener("click", async () => {
    try {
      const r = await api("POST", "/users/me/totp", {});
      const img = h("img", { alt: "QR", src: "data:image/svg+xml;base64," + btoa(r.qr_svg) });
      const form = h("form", { id: "mfa-confirm-form" },
        h("div", { class: "qr" }, img),
        h("p", {}, h("span", { class: "hint", text: t("mfa_uri") + ": " }), h("code", { id: "mfa-uri", class: "mono", text: r.uri })),
        h("label", { for: "mfa-code", text: t("otp") }),
        h("input", { id: "mfa-code", inputmode: "numeric", autocomplete: "one-time-code", required: true }),
        h("button", { class: "primary", type: "submit", text: t("mfa_confirm") }));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          const c = await api("POST", "/users/me/totp/confirm", { code: $("mfa-code").value.trim() });
          fill(area, h("p", { class: "ok", id: "mfa-done", text: t("mfa_done") }),
            h("h2", { text: t("mfa_recovery") }),
            h("ul", { class: "mono" }, (c.recovery_codes || []).map((x) => h("li", { text: x }))));
        } catch (e) { fail(e); }
      });
      fill(area, form);
      start.hidden = true;
    } catch (e) { fail(e); }
  });
  show(h("section", { class: "card" }, h("h1", { text: t("mfa_title") }), h("p", { text: t("mfa_intro") }), start, area));
}

/* ---- persons ------------------------------------------------------------- */

async function tenantPicker(onChange) {
  const r = await api("GET", "/tenants");
  const list = (r && r.tenants) || [];
  if (!state.tenant && list.length) state.tenant = list[0].code;
  const sel = h("select", { id: "tenant" }, list.map((x) =>
    h("option", { value: x.code, selected: x.code === state.tenant ? true : null, text: `${x.name} (${x.code})` })));
  sel.addEventListener("change", () => { state.tenant = sel.value; onChange(); });
  return h("div", {}, h("label", { for: "tenant", text: t("tenant") }), sel);
}

function kindName(k) { return k === "payee" ? t("payee") : t("employee"); }

function personRows(persons, purposeNames) {
  return persons.map((p) => h("tr", { "data-id": p.id },
    h("td", { "data-label": t("col_id"), text: p.id }),
    h("td", { "data-label": t("col_name") }, h("span", { text: p.name }),
      p.name_kana ? h("div", { class: "hint", text: p.name_kana }) : null),
    h("td", { "data-label": t("col_kind"), text: kindName(p.kind) }),
    h("td", { "data-label": t("col_code"), text: p.employee_code || "" }),
    h("td", { "data-label": t("col_number"), class: "num", text: p.mynumber_masked || "" }),
    h("td", { "data-label": t("col_purposes") }, (p.purposes || []).map((c) => h("span", { class: "badge", text: purposeNames[c] || c }), " ")),
    h("td", { "data-label": t("col_deps"), text: p.dependents === undefined ? "" : p.dependents }),
    h("td", { "data-label": t("col_actions") }, state.role === "clerk"
      ? h("button", { class: "secondary", type: "button", "data-reveal": p.id, text: t("reveal"),
          onclick: () => revealDialog(p, purposeNames) })
      : null,
      /* the person page (clerk.js) */
      typeof openPerson === "function"
        ? h("button", { class: "secondary", type: "button", "data-open": p.id, text: t("details"), onclick: () => openPerson(p.id) })
        : null)));
}

/*
 * A newest-first list of the API (?before=ID&limit=N, next_before) read a
 * page at a time. read(true) starts again at the newest, for the path as it
 * is now; read(false) appends the next older page of that same path (not
 * of a business chosen since). items holds every entry read so far.
 */
function newestFirst(pathNow, key, pageSize) {
  const pager = { items: [], next: null, path: null, round: 0, busy: false };
  pager.read = async (reset) => {
    if (reset || pager.path === null) { pager.path = pathNow(); pager.round++; pager.busy = false; }
    else if (pager.busy || !pager.next) return pager; /* a second click on "older" */
    const round = pager.round, path = pager.path, before = reset ? null : pager.next;
    const sep = path.includes("?") ? "&" : "?";
    pager.busy = true;
    try {
      const r = await api("GET", `${path}${sep}limit=${pageSize}${before ? `&before=${before}` : ""}`);
      if (round !== pager.round) return pager; /* started again meanwhile */
      if (reset) pager.items = [];
      pager.items.push(...(r[key] || []));
      pager.next = r.next_before || null;
    } finally {
      if (round === pager.round) pager.busy = false;
    }
    return pager;
  };
  return pager;
}

/* The button that reads a pager's next older page, or nothing on the last. */
function olderButton(id, pager, reload) {
  return pager.next ? h("button", { class: "secondary", type: "button", id, text: t("show_older"), onclick: () => reload(false) }) : null;
}

async function purposeNamesOf(tenant) {
  const r = await api("GET", `/tenants/${encodeURIComponent(tenant)}/purposes`);
  const names = {};
  for (const p of (r && r.purposes) || []) names[p.code] = lang === "ja" ? p.name_ja || p.code : p.name_en || p.code;
  return names;
}

async function viewPersons() {
  let after = 0, name = "";
  const body = h("tbody", { id: "persons-body" });
  const table = h("table", { class: "responsive", id: "persons" },
    h("thead", {}, h("tr", {}, ["col_id", "col_name", "col_kind", "col_code", "col_number", "col_purposes", "col_deps", "col_actions"]
      .map((k) => h("th", { scope: "col", text: t(k) })))), body);
  const more = h("button", { class: "secondary", type: "button", id: "next-page", text: t("next"), hidden: true });
  const nameInput = h("input", { id: "search-name", type: "search" });
  const numInput = h("input", { id: "search-number", inputmode: "numeric", autocomplete: "off", type: "password" });
  let names = {};
  async function load(reset) {
    if (reset) { after = 0; fill(body, ); }
    try {
      names = await purposeNamesOf(state.tenant);
      const q = `?limit=50&after=${after}` + (name ? `&name=${encodeURIComponent(name)}` : "");
      const r = await api("GET", `/tenants/${encodeURIComponent(state.tenant)}/persons${q}`);
      body.append(...personRows(r.persons, names));
      if (!body.children.length) body.append(h("tr", {}, h("td", { colspan: "8", text: t("none") })));
      after = r.next_after || 0;
      more.hidden = !r.next_after;
    } catch (e) { fail(e); }
  }
  more.addEventListener("click", () => load(false));
  const nameForm = h("form", { class: "toolbar", id: "name-search" },
    h("div", {}, h("label", { for: "search-name", text: t("search_name") }), nameInput),
    h("button", { class: "secondary", type: "submit", text: t("search") }));
  nameForm.addEventListener("submit", (ev) => { ev.preventDefault(); name = nameInput.value.trim(); load(true); });
  const numForm = h("form", { class: "toolbar", id: "number-search" },
    h("div", {}, h("label", { for: "search-number", text: t("search_number") }), numInput),
    h("button", { class: "secondary", type: "submit", text: t("search") }),
    h("button", { class: "secondary", type: "button", text: t("clear"), onclick: () => { numInput.value = ""; nameInput.value = ""; name = ""; load(true); } }));
  numForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const number = normaliseNumber(numInput.value);
    numInput.value = "";
    try {
      const r = await api("POST", `/tenants/${encodeURIComponent(state.tenant)}/persons/search`, { mynumber: number });
      fill(body, ...personRows(r.persons || [], names));
      if (!body.children.length) body.append(h("tr", {}, h("td", { colspan: "8", text: t("none") })));
      more.hidden = true;
    } catch (e) { fail(e); }
  });
  const addButton = state.role === "clerk"
    ? h("button", { class: "primary", type: "button", id: "add-person", text: t("add_person"), onclick: () => navigate("#/persons/new") })
    : null;
  const picker = await tenantPicker(() => load(true));
  show(h("h1", { text: t("persons_title") }), h("div", { class: "toolbar" }, picker, addButton),
    nameForm, state.role === "clerk" ? numForm : null, table, more);
  if (state.tenant) await load(true);
}

async function viewAddPerson() {
  let names = {};
  try { names = await purposeNamesOf(state.tenant); } catch (e) { return fail(e); }
  const feedback = h("p", { id: "number-feedback", "aria-live": "polite", class: "hint" });
  const number = h("input", { id: "p-number", inputmode: "numeric", autocomplete: "off", required: true, "aria-describedby": "number-feedback" });
  number.addEventListener("input", () => {
    const c = checkNumber(number.value);
    feedback.textContent = number.value ? t(c.key, { n: c.n }) : "";
    feedback.className = !number.value ? "hint" : c.ok ? "ok" : "bad";
    number.setAttribute("aria-invalid", number.value && !c.ok ? "true" : "false");
  });
  const purposes = h("fieldset", { id: "p-purposes" }, h("legend", { text: t("purposes") }),
    Object.entries(names).map(([code, label]) => h("label", {},
      h("input", { type: "checkbox", name: "purpose", value: code }), " " + label)));
  const form = h("form", { class: "card", id: "person-form" },
    h("h1", { text: t("add_title") }),
    h("label", { for: "p-name", text: t("name") }), h("input", { id: "p-name", required: true, autocomplete: "off" }),
    h("label", { for: "p-kind", text: t("kind") }),
    h("select", { id: "p-kind" }, h("option", { value: "employee", text: t("employee") }), h("option", { value: "payee", text: t("payee") })),
    h("label", { for: "p-code", text: t("code") }), h("input", { id: "p-code", autocomplete: "off" }),
    h("label", { for: "p-number", text: t("number") }), number, feedback,
    purposes,
    h("button", { class: "primary", type: "submit", id: "p-save", text: t("save") }),
    h("button", { class: "secondary", type: "button", text: t("cancel"), onclick: () => navigate("#/persons") }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const c = checkNumber(number.value);
    if (!c.ok) { notice(t(c.key, { n: c.n }), true); return number.focus(); }
    const chosen = [...form.querySelectorAll("input[name=purpose]:checked")].map((x) => x.value);
    if (!chosen.length) return notice(t("need_purpose"), true);
    const person = { kind: $("p-kind").value, name: $("p-name").value.trim(), mynumber: normaliseNumber(number.value), purposes: chosen };
    if ($("p-code").value.trim()) person.employee_code = $("p-code").value.trim();
    try {
      const r = await api("POST", `/tenants/${encodeURIComponent(state.tenant)}/persons`, { persons: [person] });
      number.value = "";
      await navigate("#/persons");
      notice(t("added", { id: (r.created || [])[0] }));
    } catch (e) { fail(e); }
  });
  show(form);
  $("p-name").focus();
}

function revealSeconds() {
  const n = Number(localStorage.getItem("mnsafe.revealSeconds"));
  return n > 0 && n <= 120 ? n : REVEAL_SECONDS_DEFAULT;
}

function revealDialog(person, names) {
  const secs = revealSeconds();
  /* a search result does not list the purposes: all of the tenant's are offered, the API refuses the others */
  const codes = person.purposes && person.purposes.length ? person.purposes : Object.keys(names);
  const select = h("select", { id: "reveal-purpose" }, codes.map((c) => h("option", { value: c, text: names[c] || c })));
  const out = h("div", { id: "reveal-out", "aria-live": "polite" });
  const dialog = h("dialog", { id: "reveal-dialog", "aria-labelledby": "reveal-title" });
  let timer = null;
  const close = () => { clearInterval(timer); fill(out, ); dialog.close(); dialog.remove(); };
  const form = h("form", { method: "dialog" },
    h("h2", { id: "reveal-title", text: `${t("reveal_title")}: ${person.name}` }),
    h("label", { for: "reveal-purpose", text: t("reveal_purpose") }), select,
    h("p", { class: "hint", text: t("reveal_note", { s: secs }) }),
    out,
    h("button", { class: "primary", type: "submit", id: "reveal-go", text: t("reveal_do") }),
    h("button", { class: "secondary", type: "button", id: "reveal-hide", text: t("hide"), onclick: close }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("POST", `/tenants/${encodeURIComponent(state.tenant)}/persons/${person.id}/reveal`, { purpose: select.value });
      let left = secs;
      const count = h("p", { class: "hint", id: "reveal-countdown", text: t("hides_in", { s: left }) });
      fill(out, h("output", { class: "revealed mono", id: "revealed-number", text: r.mynumber }),
        (r.dependents || []).length ? h("div", {}, h("h3", { text: t("dependents") }),
          h("ul", {}, r.dependents.map((d) => h("li", {}, `${d.name} (${d.relationship}): `, h("span", { class: "mono", text: d.mynumber }))))) : null,
        count);
      r.mynumber = "";
      timer = setInterval(() => {
        left -= 1;
        count.textContent = t("hides_in", { s: left });
        if (left <= 0) close();
      }, 1000);
    } catch (e) { fail(e); close(); }
  });
  dialog.append(form);
  dialog.addEventListener("cancel", close);
  document.body.append(dialog);
  dialog.showModal();
  select.focus();
}

/* ---- CSV import with the per-row report ----------------------------------- */

async function viewImport() {
  let names = {};
  try { names = await purposeNamesOf(state.tenant); } catch (e) { return fail(e); }
  const file = h("input", { id: "import-file", type: "file", accept: ".csv,text/csv", required: true });
  const purposes = h("fieldset", { id: "import-purposes" }, h("legend", { text: t("import_purposes") }),
    Object.entries(names).map(([code, label]) => h("label", {}, h("input", { type: "checkbox", name: "purpose", value: code }), " " + label)));
  const progress = h("progress", { id: "import-progress", max: "100", value: "0", hidden: true });
  const report = h("div", { id: "import-report", "aria-live": "polite" });
  const form = h("form", { class: "card", id: "import-form" },
    h("h1", { text: t("import_title") }),
    h("label", { for: "import-file", text: t("import_file") }), file, purposes,
    h("button", { class: "primary", type: "submit", id: "import-check", text: t("import_check") }), progress);
  const base = `/tenants/${encodeURIComponent(state.tenant)}/imports`;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=purpose]:checked")].map((x) => x.value);
    if (!chosen.length) return notice(t("need_purpose"), true);
    const f = file.files[0];
    if (!f) return;
    try {
      notice("");
      const begun = await api("POST", base, { file_name: f.name, purposes: chosen });
      const id = begun.import_id;
      const chunk = 1 << 20;
      progress.hidden = false;
      let summary = null;
      for (let off = 0; off < f.size || off === 0; off += chunk) {
        const last = off + chunk >= f.size;
        summary = await api("POST", `${base}/${id}/data${last ? "?last=1" : ""}`, f.slice(off, off + chunk));
        progress.value = Math.round(100 * Math.min(f.size, off + chunk) / Math.max(1, f.size));
        if (last) break;
      }
      const detail = await api("GET", `${base}/${id}?limit=200`);
      const s = detail.summary || detail;
      const rows = (detail.errors || []).map((e) => h("tr", {},
        h("td", { "data-label": t("col_row"), text: e.row }),
        h("td", { "data-label": t("col_column"), text: e.column || e.field || "" }),
        h("td", { "data-label": t("col_message"), text: lang === "ja" ? (e.message && e.message.ja) || "" : (e.message && e.message.en) || "" })));
      const bad = s.invalid_rows || 0, ok = s.valid_persons || 0;
      const act = async (method, path, body, done) => {
        try { const r = await api(method, path, body); fill(report, h("p", { class: "ok", id: "import-done", text: done(r) })); }
        catch (e) { fail(e); }
      };
      fill(report, 
        h("p", { id: "import-summary", text: t("import_rows", { rows: s.rows || 0, ok, bad }) }),
        rows.length ? h("h2", { text: t("import_errors") }) : null,
        rows.length ? h("table", { class: "responsive", id: "import-errors" },
          h("thead", {}, h("tr", {}, ["col_row", "col_column", "col_message"].map((k) => h("th", { scope: "col", text: t(k) })))),
          h("tbody", {}, rows)) : null,
        ok > 0 ? h("button", { class: "primary", type: "button", id: "import-store", text: bad ? t("import_store") : t("import_store_all"),
          onclick: () => act("POST", `${base}/${id}/store`, { valid_only: bad > 0 }, (r) => t("import_stored", { n: r.stored_persons })) }) : null,
        h("button", { class: "secondary", type: "button", id: "import-discard", text: t("import_discard"),
          onclick: () => act("DELETE", `${base}/${id}`, undefined, () => t("import_discarded")) }));
      void summary;
    } catch (e) { fail(e); }
  });
  show(form, report);
}

/* ---- audit log ------------------------------------------------------------ */

async function viewAudit() {
  let after = 0;
  const body = h("tbody", { id: "audit-body" });
  const status = h("p", { id: "audit-status", "aria-live": "polite" });
  const verify = h("button", { class: "primary", type: "button", id: "audit-verify", text: t("verify") });
  verify.addEventListener("click", async () => {
    try {
      const r = await api("POST", "/audit/verify", {});
      status.textContent = r.intact ? t("intact", { n: r.entries, c: r.checkpoints }) : t("broken", { seq: r.first_bad_seq, problem: r.problem });
      status.className = r.intact ? "ok" : "bad";
    } catch (e) { fail(e); }
  });
  const next = h("button", { class: "secondary", type: "button", id: "audit-next", text: t("newer"), hidden: true });
  async function load() {
    try {
      const r = await api("GET", `/audit?after=${after}&limit=100`);
      body.append(...(r.entries || []).map((e) => h("tr", {},
        h("td", { "data-label": t("col_seq"), text: e.seq }),
        h("td", { "data-label": t("col_time"), text: formatDate(e.time_ms, true) }),
        h("td", { "data-label": t("col_actor"), text: e.actor }),
        h("td", { "data-label": t("col_action"), class: "mono", text: e.action }),
        h("td", { "data-label": t("col_subject"), text: e.subject || "" }),
        h("td", { "data-label": t("col_purpose"), text: e.purpose || "" }),
        h("td", { "data-label": t("col_result"), text: e.result }))));
      after = r.next_after || after;
      next.hidden = !r.next_after;
    } catch (e) { fail(e); }
  }
  next.addEventListener("click", load);
  show(h("h1", { text: t("audit_title") }), h("div", { class: "toolbar" }, verify), status,
    h("table", { class: "responsive", id: "audit" }, h("thead", {}, h("tr", {},
      ["col_seq", "col_time", "col_actor", "col_action", "col_subject", "col_purpose", "col_result"].map((k) => h("th", { scope: "col", text: t(k) })))), body),
    next);
  await load();
}


/* ---- officer: the ledger and the due list; sysadmin: the system --------- */

function table(id, heads, rows) {
  return h("table", { class: "responsive", id },
    h("thead", {}, h("tr", {}, heads.map((k) => h("th", { scope: "col", text: t(k) })))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c, i) => h("td", { "data-label": t(heads[i]) }, c))))));
}

async function viewLedger() {
  const area = h("div", { id: "ledger-area" });
  const load = async () => {
    try {
      const [r, names] = await Promise.all([api("GET", `/tenants/${encodeURIComponent(state.tenant)}/ledger`), purposeNamesOf(state.tenant)]);
      const files = (r.files || []).map((f) => [
        lang === "ja" ? f.name_ja || f.name || f.file || "" : f.name_en || f.name || f.file || "",
        (f.purposes || []).map((c) => names[c] || c).join("、"),
        (f.responsible || []).join(", "), (f.access || []).join(", "),
        f.persons === undefined ? "" : String(f.persons),
        f.deletion ? String(f.deletion.scheduled) : "", f.deletion ? String(f.deletion.disposed) : ""]);
      const last = r.last_review ? formatDate(r.last_review) : t("never");
      fill(area, h("p", { id: "ledger-review", class: r.review_due ? "bad" : "ok", text: r.review_due ? t("review_due", { last }) : t("review_ok", { last }) }),
        table("ledger", ["col_file", "col_purposes", "col_responsible", "col_access", "col_persons", "col_due", "col_disposed"], files));
    } catch (e) { fail(e); }
  };
  const picker = await tenantPicker(load);
  show(h("h1", { text: t("ledger_title") }), picker, area);
  await load();
}

async function viewDue() {
  const area = h("div", { id: "due-area" });
  /* the list says whose it is (data-tenant): deleting the due persons acts
     on the business shown, and another choice clears the list at once */
  const load = async () => {
    const code = state.tenant;
    fill(area);
    delete area.dataset.tenant;
    try {
      const r = await api("GET", `/tenants/${encodeURIComponent(code)}/retention/due`);
      if (state.tenant !== code) return;
      const rows = (r.persons || []).map((p) => [String(p.id), p.name || "", p.reason || "", formatDate(p.legal_on),
        h("span", { class: p.due ? "bad" : "", text: formatDate(p.scheduled_on) + (p.due ? ` (${t("is_due")})` : "") }),
        p.hold ? t("held") : ""]);
      fill(area, rows.length ? table("due", ["col_id", "col_name", "col_reason", "col_legal", "col_scheduled", "col_hold"], rows)
        : h("p", { text: t("none") }));
      area.dataset.tenant = code;
    } catch (e) { fail(e); }
  };
  const picker = await tenantPicker(load);
  show(h("h1", { text: t("due_title") }), picker, area);
  await load();
}

async function viewSystem() {
  const [seal, users] = await Promise.all([api("GET", "/sys/seal-status"), api("GET", "/users")]);
  show(h("h1", { text: t("system_title") }),
    h("p", { id: "seal-state", class: seal.sealed ? "bad" : "ok",
      text: `${t("seal_state")}: ${seal.sealed ? t("sealed") : t("unsealed")} (${t("seal_mode")}: ${seal.seal_mode || ""})` }),
    h("h2", { text: t("users_title") }),
    table("users", ["col_name", "col_role", "col_tenants", "col_disabled"], (users.users || []).map((u) => [
      u.name, u.role, Array.isArray(u.tenants) ? u.tenants.join(", ") : String(u.tenants || ""), u.disabled ? t("disabled") : t("active")])));
}

/* ---- routing -------------------------------------------------------------- */

function homeOf(role) {
  return role === "auditor" ? "#/audit" : role === "sysadmin" ? "#/system" : "#/persons";
}

const ROUTES = {
  "#/login": { view: viewLogin, public: true },
  "#/password": { view: () => viewPassword(false), nav: "nav_password" },
  "#/mfa": { view: viewMfa, nav: "nav_mfa" },
  "#/persons": { view: viewPersons, nav: "nav_persons", roles: ["clerk", "officer"] },
  "#/persons/new": { view: viewAddPerson, roles: ["clerk"] },
  "#/import": { view: viewImport, nav: "nav_import", roles: ["clerk"] },
  "#/ledger": { view: viewLedger, nav: "nav_ledger", roles: ["officer", "clerk", "auditor"] },
  "#/due": { view: viewDue, nav: "nav_due", roles: ["officer", "clerk"] },
  "#/audit": { view: viewAudit, nav: "nav_audit", roles: ["auditor", "sysadmin"] },
  "#/system": { view: viewSystem, nav: "nav_system", roles: ["sysadmin"] },
};

function renderChrome() {
  document.documentElement.lang = lang;
  $("skip-link").textContent = t("skip");
  $("lang").textContent = t("switch_lang");
  /* the button names the other language in that language */
  $("lang").setAttribute("lang", lang === "ja" ? "en" : "ja");
  $("logout").textContent = t("logout");
  $("logout").hidden = !state.user;
  $("who").textContent = state.user ? `${state.user} (${state.role})` : "";
  const nav = $("nav");
  nav.setAttribute("aria-label", t("menu"));
  nav.replaceChildren(...(state.user ? Object.entries(ROUTES)
    .filter(([, r]) => r.nav && (!r.roles || r.roles.includes(state.role)))
    .map(([hash, r]) => h("a", { href: hash, "aria-current": location.hash === hash ? "page" : null, text: t(r.nav) })) : []));
}

async function render() {
  renderGen++;
  let hash = location.hash || "#/login";
  if (!state.user && !(ROUTES[hash] && ROUTES[hash].public)) hash = "#/login";
  if (state.user && hash === "#/login") hash = homeOf(state.role);
  const route = ROUTES[hash] || ROUTES[homeOf(state.role)];
  if (location.hash !== hash) history.replaceState(null, "", hash);
  renderChrome();
  if (route.roles && !route.roles.includes(state.role)) {
    history.replaceState(null, "", homeOf(state.role));
    return render();
  }
  try { await route.view(); } catch (e) { fail(e); }
}

async function start() {
  $("lang").addEventListener("click", () => {
    lang = lang === "ja" ? "en" : "ja";
    localStorage.setItem("mnsafe.lang", lang);
    notice("");
    render();
  });
  $("logout").addEventListener("click", async () => {
    try { await api("DELETE", "/sessions/current"); } catch (e) { /* ended already */ }
    endSession(t("logged_out"));
  });
  window.addEventListener("hashchange", () => { notice(""); render(); });
  /* a reload keeps the session (the cookie) and its CSRF token (this tab's storage) */
  if (state.csrf) {
    try {
      const me = await api("GET", "/sessions/current", undefined, { login: true });
      state.user = me.user;
      state.role = me.role;
      if (me.must_change_password) history.replaceState(null, "", "#/password");
    } catch (e) { state.csrf = ""; sessionStorage.removeItem("mnsafe.csrf"); }
  }
  render();
}

document.addEventListener("DOMContentLoaded", start);
