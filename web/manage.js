/* manage.js: the officer's, auditor's and sysadmin's screens that act on
 * the system (approvals, incidents, access review, the check sheet, users,
 * tenants, backups). Loaded after app.js (both deferred, so both run before
 * DOMContentLoaded); it adds its words to WORDS and its screens to ROUTES.
 * Everything goes into the page through textContent (h() and t()), as in
 * app.js; the helpers used here (h, fill, show, table, api, t, formatDate,
 * tenantPicker, notice, fail, apiMessage, showScreen, state) are app.js's. */
"use strict";

(() => {
  /* ---- words ------------------------------------------------------------ */

  Object.assign(WORDS.ja, {
    nav_approvals: "承認", nav_incidents: "事案・記録簿", nav_review: "アクセス権の点検", nav_checksheet: "チェックシート",
    nav_registers: "記録簿", nav_report: "評価報告", nav_users: "利用者管理", nav_tenants: "事業者", nav_seal: "封印",
    nav_backups: "バックアップ", no_tenant: "担当する事業者がありません。",
    yes: "はい", no: "いいえ", unset: "（未入力）", approve: "承認する", reject: "却下する", approved: "承認しました。",
    rejected: "却下しました。", no_pending: "承認待ちの申請はありません。", decided: "処理済みの申請", col_status: "状態",
    st_pending: "承認待ち", st_approved: "承認済み", st_rejected: "却下", st_granted: "付与済み",
    approvals_title: "承認待ちの申請", grants_title: "権限の申請（ロール・担当事業者）", exports_title: "提供（エクスポート）の申請",
    deletions_title: "削除の申請", col_kind_req: "種類", kind_role: "ロールの変更", kind_assignment: "担当事業者の割当て",
    col_user: "対象の利用者", col_detail: "内容", col_requested_by: "申請者", col_requested_at: "申請日時", col_request_reason: "申請理由",
    col_person: "本人ID", decision_note: "承認・却下に理由は記録されません（APIが理由を受け付けないため）。承認は取り消せません。",
    exp_purpose: "目的", exp_recipient: "提供先", exp_route: "経路", exp_protection: "保護",
    reg_title: "記録簿", reg_register: "記録簿の種類", reg_incidents: "漏えい等事案", reg_takeouts: "持出管理記録簿",
    reg_pledges: "誓約書", reg_training: "教育・研修", reg_ledger_reviews: "台帳の確認", reg_contractors: "委託先",
    reg_entry_logs: "入退室", reg_inspections: "点検・監査", reg_spi_files: "特定個人情報ファイル",
    reg_add: "記録を追加", reg_edit: "記録の更新（ID {id}）", reg_save: "登録する", reg_update: "更新する", edit: "更新",
    reg_added: "記録を追加しました（ID {id}）。", reg_updated: "記録を更新しました（ID {id}）。", reg_empty: "記録はありません。",
    reg_nothing_changed: "変更された項目がありません。", col_recorded_by: "記録者",
    inc_report: "PPCへの報告", inc_reportable: "報告対象", inc_not_reportable: "報告対象外", inc_prelim: "速報（目安）",
    inc_final: "確報（期限）", inc_warnings: "注意", inc_overdue: "期限超過", inc_reported: "提出済み: {d}",
    inc_draft: "報告書案", inc_draft_final: "確報案", inc_draft_title: "報告書案（ID {id}）", inc_trend: "月別の件数",
    col_month: "月", col_incidents: "事案数", col_persons_affected: "本人の数", inc_overdue_count: "期限を過ぎた報告が{n}件あります。",
    inc_encrypted: "高度な暗号化等で保護されていたため報告対象外",
    review_title: "アクセス権の点検", col_locked: "ロック", col_2fa: "二要素", col_pending_role: "承認待ち",
    col_last_login: "最終ログイン", col_last_act: "最終操作", review_hash: "この一覧のSHA-256", review_confirm: "この内容で点検を記録する",
    review_confirmed: "アクセス権の点検を記録しました。", review_never: "点検の記録はまだありません。",
    review_last_current: "前回の点検: {at}（{by}）。その時から変わっていません。",
    review_last_changed: "前回の点検: {at}（{by}）。その後アクセス権が変わりました。", policy_title: "アクセスの設定", pol_password: "パスワードの最小文字数",
    pol_lockout: "ロックまでの失敗回数", pol_idle: "無操作で終了するまで（秒）", pol_sod: "職務の分離", pol_mfa: "二要素認証が必須のロール",
    locked: "ロック中", on: "有効", off: "無効",
    cs_title: "安全管理措置チェックシート", cs_assessment: "評価", cs_new: "新しい評価を始める", cs_new_title: "評価の題名",
    cs_created: "評価を始めました（mnsafe が{n}項目を自動で判定しました）。", cs_none: "評価はまだありません。",
    cs_dashboard: "達成状況", cs_category: "区分", cs_min_score: "最低限: 達成率", cs_min_cov: "最低限: 評価率",
    cs_opt_score: "オプション: 達成率", cs_opt_cov: "オプション: 評価率", cs_all_score: "全体: 達成率", cs_all_cov: "全体: 評価率",
    cs_all: "全体", cs_score_note: "達成率 =（充足 + 一部充足÷2）÷ 該当する評価済み項目、評価率 = 評価済み ÷ 項目数",
    cs_trend: "評価の推移", col_title: "題名", col_started: "開始日時", cs_probes: "mnsafe が稼働状態から確認する項目",
    col_item: "項目", col_verdict: "判定", col_probe_detail: "根拠", cs_items: "項目の評価", cs_section: "節",
    col_text: "内容", col_note: "メモ（根拠・理由）", col_evidence: "証跡ファイル", cs_save: "保存", cs_upload: "証跡を送る",
    cs_saved: "{item} を保存しました。", cs_uploaded: "{item} に証跡 {name} を保存しました（SHA-256 {sha}…）。",
    cs_by_probe: "mnsafe が判定", cs_file_for: "{item} の証跡ファイル", cs_status_for: "{item} の判定", cs_note_for: "{item} のメモ",
    cs_min: "最低限", cs_opt: "オプション", cs_expired: "証跡の期限切れ", cs_no_file: "ファイルを選んでください。",
    s_satisfied: "充足", s_partly: "一部充足", s_not_satisfied: "未充足", s_not_applicable: "該当なし", s_not_assessed: "未評価",
    report_title: "チェックシート評価報告", report_gaps: "未充足・未評価の項目", col_level: "区分", col_owner: "担当", col_due_on: "期限",
    report_download: "ダウンロード", report_csv: "CSV（Excel用）", report_html: "印刷用ページ（HTML）", gaps_more: "ほか{n}件",
    due_delete_title: "期限の来た本人の削除", due_delete_as_of: "基準日（空欄は今日）",
    due_delete_confirm: "保存期間を過ぎた本人を削除します。削除は取り消せません（鍵を破棄します）。",
    due_delete_check: "内容を確認し、削除することに同意します", due_delete_do: "期限の来た本人を削除する",
    due_list_loading: "削除予定の一覧を読み込み中です。表示されてから削除してください。",
    due_deleted: "{n}人を削除しました（ID: {ids}）。保留中のため削除しなかった本人: {held}", due_none: "なし",
    users_manage: "利用者管理", user_new: "利用者の追加", user_name: "ユーザー名（英数字）", user_role: "ロール",
    user_create: "追加する", user_created: "{name} を追加しました。", user_otp: "初回パスワード（この一度だけ表示します。本人に安全な方法で伝えてください）",
    user_otp_reset: "{name} の新しい初回パスワード（この一度だけ表示します）", user_role_pending: "ロールは承認待ちです（申請 {id}）。",
    manage: "管理", user_panel: "{name} の管理", user_change_role: "ロールを変更", role_granted: "{name} のロールを {role} にしました。",
    role_pending: "{name} のロール変更（{role}）は承認待ちです（申請 {id}）。", user_assign: "担当事業者を割り当てる",
    assign_files: "ファイル", file_employees: "従業員", file_payees: "支払先", assigned: "{name} に {tenant} を割り当てました。",
    assign_pending: "{name} への {tenant} の割当ては承認待ちです（申請 {id}）。", unassign: "{tenant} の担当を外す",
    unassigned: "{name} から {tenant} の担当を外しました。", unlock: "ロックを解除", unlocked: "{name} のロックを解除しました。",
    pw_reset: "パスワードを再発行", mfa_reset: "二要素認証を解除", mfa_was_reset: "{name} の二要素認証を解除しました。",
    must_change: "初回パスワード変更待ち", role_clerk: "事務取扱担当者 (clerk)", role_officer: "事務取扱責任者 (officer)",
    role_auditor: "監査担当 (auditor)", role_sysadmin: "システム管理者 (sysadmin)", sure: "実行してよいですか？", do_it: "実行する",
    tenants_title: "事業者", tenant_new: "事業者の追加", tenant_code: "コード（英数字）", tenant_name: "名称",
    tenant_corp: "法人番号（任意、13桁）", tenant_create: "追加する", tenant_created: "事業者 {code} を追加しました。",
    col_tcode: "コード", col_tname: "名称", tenant_policy: "事業者ごとの設定", tenant_policy_of: "設定する事業者",
    pol_require_mfa: "二要素認証を必須にする", pol_networks: "接続を許すネットワーク（例 10.0.0.0/8、空欄は制限なし）",
    pol_hours: "利用できる時間帯（例 09-18@mon-fri、空欄は制限なし）", pol_pledge: "誓約書と研修の記録を担当者の割当ての条件にする",
    pol_export: "提供（エクスポート）に承認を必要とする", pol_save: "設定を保存", pol_saved: "{code} の設定を保存しました。",
    seal_title: "封印と解錠", seal_do: "封印する", seal_confirm: "封印すると鍵がメモリから消え、解錠するまで個人番号を扱えなくなります。封印しますか？",
    seal_yes: "封印を実行", sealed_now: "封印しました。", unseal_title: "解錠（鍵の分割片を入力）", unseal_share: "分割片（mns1-...）",
    unseal_do: "分割片を送る", unseal_progress: "分割片 {given} / {threshold} を受け付けました。", unsealed_now: "解錠しました。",
    seal_shares: "受け付けた分割片", unseal_link: "封印を解除する（分割片の入力）",
    backups_title: "バックアップ", backup_make: "バックアップを作成", backup_made: "バックアップを作成しました。",
    backup_path: "バックアップファイルのパス", backup_verify: "復元テストで検証", backup_verified: "検証しました。",
    bk_created: "作成日時", bk_by: "作成者", bk_size: "データベースの大きさ（バイト）", bk_persons: "本人数", bk_audit: "監査ログの件数",
    bk_tenants: "事業者数", bk_sha: "SHA-256", bk_integrity: "整合性", bk_audit_chain: "監査ログの連鎖", bk_numbers: "復号できた個人番号",
    bk_result: "検証結果",
  });
  Object.assign(WORDS.en, {
    nav_approvals: "Approvals", nav_incidents: "Incidents & registers", nav_review: "Access review", nav_checksheet: "Check sheet",
    nav_registers: "Registers", nav_report: "Assessment report", nav_users: "Users", nav_tenants: "Businesses", nav_seal: "Seal",
    nav_backups: "Backups", no_tenant: "You are assigned to no business.",
    yes: "yes", no: "no", unset: "(not given)", approve: "Approve", reject: "Reject", approved: "Approved.",
    rejected: "Rejected.", no_pending: "No request is waiting.", decided: "Decided requests", col_status: "Status",
    st_pending: "pending", st_approved: "approved", st_rejected: "rejected", st_granted: "granted",
    approvals_title: "Requests waiting for approval", grants_title: "Access requests (roles, businesses)", exports_title: "Export requests",
    deletions_title: "Deletion requests", col_kind_req: "Kind", kind_role: "role change", kind_assignment: "assignment to a business",
    col_user: "User concerned", col_detail: "Detail", col_requested_by: "Asked by", col_requested_at: "Asked at", col_request_reason: "Reason given",
    col_person: "Person ID", decision_note: "No reason is recorded with a decision (the API takes none). An approval cannot be undone.",
    exp_purpose: "purpose", exp_recipient: "recipient", exp_route: "route", exp_protection: "protection",
    reg_title: "Registers", reg_register: "Register", reg_incidents: "Incidents", reg_takeouts: "Take-outs",
    reg_pledges: "Pledges", reg_training: "Training", reg_ledger_reviews: "Ledger reviews", reg_contractors: "Contractors",
    reg_entry_logs: "Entry logs", reg_inspections: "Inspections and audits", reg_spi_files: "SPI files",
    reg_add: "Add an entry", reg_edit: "Update entry {id}", reg_save: "Add", reg_update: "Update", edit: "Update",
    reg_added: "Entry added (ID {id}).", reg_updated: "Entry {id} updated.", reg_empty: "No entries.",
    reg_nothing_changed: "Nothing was changed.", col_recorded_by: "Recorded by",
    inc_report: "Report to the PPC", inc_reportable: "reportable", inc_not_reportable: "not reportable", inc_prelim: "Preliminary (target)",
    inc_final: "Final (due)", inc_warnings: "Warnings", inc_overdue: "overdue", inc_reported: "sent: {d}",
    inc_draft: "Draft report", inc_draft_final: "Final draft", inc_draft_title: "Draft report (ID {id})", inc_trend: "By month",
    col_month: "Month", col_incidents: "Incidents", col_persons_affected: "Persons", inc_overdue_count: "{n} report(s) past their date.",
    inc_encrypted: "not reportable: protected by strong encryption",
    review_title: "Access review", col_locked: "Locked", col_2fa: "Two-factor", col_pending_role: "Pending",
    col_last_login: "Last login", col_last_act: "Last act", review_hash: "SHA-256 of this list", review_confirm: "Record the review of this list",
    review_confirmed: "The access review is recorded.", review_never: "No review has been recorded yet.",
    review_last_current: "Last review: {at} ({by}). Nothing has changed since.",
    review_last_changed: "Last review: {at} ({by}). Access has changed since.", policy_title: "Access settings", pol_password: "Minimum password length",
    pol_lockout: "Failures before lockout", pol_idle: "Idle session end (s)", pol_sod: "Separation of duties", pol_mfa: "Roles that need two factors",
    locked: "locked", on: "on", off: "off",
    cs_title: "Security measures check sheet", cs_assessment: "Assessment", cs_new: "Start a new assessment", cs_new_title: "Title",
    cs_created: "Assessment started (mnsafe decided {n} items itself).", cs_none: "No assessment yet.",
    cs_dashboard: "Where things stand", cs_category: "Category", cs_min_score: "Minimum: score", cs_min_cov: "Minimum: coverage",
    cs_opt_score: "Optional: score", cs_opt_cov: "Optional: coverage", cs_all_score: "All: score", cs_all_cov: "All: coverage",
    cs_all: "All", cs_score_note: "score = (satisfied + partly/2) / applicable assessed items; coverage = assessed / items",
    cs_trend: "Trend", col_title: "Title", col_started: "Started", cs_probes: "Items mnsafe checks from its live state",
    col_item: "Item", col_verdict: "Verdict", col_probe_detail: "Why", cs_items: "Assessing the items", cs_section: "Section",
    col_text: "Item text", col_note: "Note (evidence, reason)", col_evidence: "Evidence files", cs_save: "Save", cs_upload: "Upload evidence",
    cs_saved: "{item} saved.", cs_uploaded: "Evidence {name} stored for {item} (SHA-256 {sha}…).",
    cs_by_probe: "decided by mnsafe", cs_file_for: "Evidence file for {item}", cs_status_for: "Verdict for {item}", cs_note_for: "Note for {item}",
    cs_min: "minimum", cs_opt: "optional", cs_expired: "evidence expired", cs_no_file: "Choose a file.",
    s_satisfied: "satisfied", s_partly: "partly", s_not_satisfied: "not satisfied", s_not_applicable: "not applicable", s_not_assessed: "not assessed",
    report_title: "Check sheet assessment report", report_gaps: "Items not satisfied or not assessed", col_level: "Level", col_owner: "Owner", col_due_on: "Due",
    report_download: "Download", report_csv: "CSV (for Excel)", report_html: "Printable page (HTML)", gaps_more: "and {n} more",
    due_delete_title: "Delete the persons who are due", due_delete_as_of: "As of (empty: today)",
    due_delete_confirm: "The persons whose keeping period is over are deleted. This cannot be undone (their keys are destroyed).",
    due_delete_check: "I have checked the list and agree to the deletion", due_delete_do: "Delete the persons who are due",
    due_list_loading: "The due list is still loading: delete once it is shown.",
    due_deleted: "{n} deleted (IDs: {ids}). Not deleted because of a hold: {held}", due_none: "none",
    users_manage: "Users", user_new: "Add a user", user_name: "User name (letters, digits)", user_role: "Role",
    user_create: "Add", user_created: "{name} added.", user_otp: "One-time password (shown this once only; give it to the user safely)",
    user_otp_reset: "New one-time password of {name} (shown this once only)", user_role_pending: "The role awaits approval (request {id}).",
    manage: "Manage", user_panel: "Managing {name}", user_change_role: "Change the role", role_granted: "{name} is now {role}.",
    role_pending: "The role change of {name} ({role}) awaits approval (request {id}).", user_assign: "Assign a business",
    assign_files: "Files", file_employees: "employees", file_payees: "payees", assigned: "{tenant} assigned to {name}.",
    assign_pending: "The assignment of {tenant} to {name} awaits approval (request {id}).", unassign: "Unassign {tenant}",
    unassigned: "{tenant} unassigned from {name}.", unlock: "Unlock", unlocked: "{name} unlocked.",
    pw_reset: "Reset the password", mfa_reset: "Turn off two factors", mfa_was_reset: "Two-factor authentication of {name} is off.",
    must_change: "must change the password", role_clerk: "clerk", role_officer: "officer",
    role_auditor: "auditor", role_sysadmin: "sysadmin", sure: "Are you sure?", do_it: "Do it",
    tenants_title: "Businesses", tenant_new: "Add a business", tenant_code: "Code (letters, digits)", tenant_name: "Name",
    tenant_corp: "Corporate number (optional, 13 digits)", tenant_create: "Add", tenant_created: "Business {code} added.",
    col_tcode: "Code", col_tname: "Name", tenant_policy: "Settings of a business", tenant_policy_of: "Business",
    pol_require_mfa: "Require two-factor authentication", pol_networks: "Networks allowed (e.g. 10.0.0.0/8; empty: any)",
    pol_hours: "Hours allowed (e.g. 09-18@mon-fri; empty: any)", pol_pledge: "Assign clerks only with a pledge and training on record",
    pol_export: "Exports need approval", pol_save: "Save the settings", pol_saved: "Settings of {code} saved.",
    seal_title: "Seal and unseal", seal_do: "Seal", seal_confirm: "Sealing drops the keys from memory: no My Number can be handled until it is unsealed. Seal now?",
    seal_yes: "Seal now", sealed_now: "Sealed.", unseal_title: "Unseal (enter a key share)", unseal_share: "Key share (mns1-...)",
    unseal_do: "Send the share", unseal_progress: "{given} of {threshold} shares accepted.", unsealed_now: "Unsealed.",
    seal_shares: "Shares given", unseal_link: "Unseal (enter a key share)",
    backups_title: "Backups", backup_make: "Make a backup", backup_made: "Backup made.",
    backup_path: "Path of the backup file", backup_verify: "Verify by a restore test", backup_verified: "Verified.",
    bk_created: "Made at", bk_by: "Made by", bk_size: "Database size (bytes)", bk_persons: "Persons", bk_audit: "Audit entries",
    bk_tenants: "Businesses", bk_sha: "SHA-256", bk_integrity: "Integrity", bk_audit_chain: "Audit chain", bk_numbers: "Numbers decrypted",
    bk_result: "Result",
  });

  /* ---- small helpers ------------------------------------------------------- */

  const enc = encodeURIComponent;
  const tpath = (rest) => `/tenants/${enc(state.tenant)}${rest}`;
  /* the API's two-language texts are "English / 日本語" */
  function bilingual(s) {
    const parts = String(s || "").split(" / ");
    return parts.length === 2 ? (lang === "ja" ? parts[1] : parts[0]) : String(s || "");
  }
  const yesNo = (b) => (b ? t("yes") : t("no"));
  const pct = (x) => (x === null || x === undefined ? "—" : `${Math.round(x * 1000) / 10}%`);
  function today() {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }
  /* a label and its field */
  const field = (id, label, input) => [h("label", { for: id, text: label }), input];
  function dl(id, pairs) {
    return h("dl", { class: "facts", id }, pairs.flatMap(([k, v]) => [h("dt", { text: t(k) }), h("dd", {}, v === undefined || v === null ? "" : v)]));
  }
  function statusName(s) { return t("st_" + s) === "st_" + s ? String(s || "") : t("st_" + s); }
  /* an act that asks once more, in the page (no window.confirm) */
  function confirmButton(id, label, question, act) {
    const box = h("span", { class: "confirm" });
    const btn = h("button", { class: "secondary", type: "button", id, text: label });
    btn.addEventListener("click", () => {
      btn.hidden = true;
      fill(box, h("span", { role: "alert", class: "bad", text: question + " " }),
        h("button", { class: "primary", type: "button", id: id + "-yes", text: t("do_it"),
          onclick: async () => { fill(box); btn.hidden = false; await act(); } }),
        h("button", { class: "secondary", type: "button", id: id + "-no", text: t("cancel"),
          onclick: () => { fill(box); btn.hidden = false; btn.focus(); } }));
      box.querySelector("button").focus();
    });
    return h("span", {}, btn, box);
  }
  /* an API answer that is text (a report draft), with the API's error messages */
  async function apiText(path) {
    let res;
    try { res = await fetch(API + path, { credentials: "same-origin", cache: "no-store" }); }
    catch (e) { throw Object.assign(new Error(t("network")), { status: 0 }); }
    const text = await res.text();
    if (!res.ok) {
      let data = null;
      try { data = JSON.parse(text); } catch (e) { data = null; }
      throw Object.assign(new Error(apiMessage(data, res.status)), { status: res.status, body: data });
    }
    return text;
  }
  /* the bytes of a file as base64, for the JSON upload the API takes */
  async function fileBase64(file) {
    const buf = new Uint8Array(await file.arrayBuffer());
    let s = "";
    for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
    return btoa(s);
  }
  function contentTypeOf(file) {
    const ext = (file.name.split(".").pop() || "").toLowerCase();
    return { pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", txt: "text/plain",
      csv: "text/csv", zip: "application/zip" }[ext] || file.type || "application/octet-stream";
  }
  const ROLES = ["clerk", "officer", "auditor", "sysadmin"];
  const roleSelect = (id, current) => h("select", { id }, ROLES.map((r) =>
    h("option", { value: r, selected: r === current ? true : null, text: t("role_" + r) })));

  /* ---- officer: the approvals queue -------------------------------------- */

  async function viewApprovals() {
    const area = h("div", { id: "approvals-area" });
    const officer = state.role === "officer";
    const decide = async (path, approve) => {
      try {
        await api("POST", `${path}/${approve ? "approve" : "reject"}`);
        await load();
        notice(t(approve ? "approved" : "rejected"));
      } catch (e) { fail(e); await load(); }
    };
    /* what the buttons decide, for a screen reader that reads a button alone */
    const buttons = (path, key, what) => h("span", {},
      h("button", { class: "primary", type: "button", "data-approve": key, text: t("approve"), "aria-label": `${t("approve")}: ${what}`,
        onclick: () => decide(path, true) }),
      h("button", { class: "secondary", type: "button", "data-reject": key, text: t("reject"), "aria-label": `${t("reject")}: ${what}`,
        onclick: () => decide(path, false) }));
    /* newest first, 200 a page; an older page on demand, per list (a pending
     * request behind many decided ones is still reachable) */
    const tenantList = (rest) => () => `/tenants/${enc(state.tenant)}${rest}`;
    const grantsP = newestFirst(() => "/grant-requests", "requests", 200);
    const exportsP = newestFirst(tenantList("/export-requests"), "requests", 200);
    const deletionsP = newestFirst(tenantList("/deletion-requests"), "requests", 200);
    let code = null, names = {};
    const olderOf = (pager) => async () => {
      try { await pager.read(false); render(); } catch (e) { fail(e); }
    };
    const section = (title, id, heads, pager, row) => {
      const list = pager.items;
      const pending = list.filter((r) => r.status === "pending"), done = list.filter((r) => r.status !== "pending");
      return h("section", { "aria-labelledby": id + "-h" }, h("h2", { id: id + "-h", text: t(title) }),
        pending.length ? table(id, [...heads, "col_actions"], pending.map((r) => row(r, true)))
          : h("p", { class: "hint", id: id + "-none", text: t("no_pending") }),
        done.length ? h("details", {}, h("summary", { text: `${t("decided")} (${done.length})` }),
          table(id + "-done", [...heads, "col_status"], done.map((r) => row(r, false)))) : null,
        olderButton(id + "-older", pager, olderOf(pager)));
    };
    const load = async () => {
      /* the buttons act on the business the requests were read for */
      const want = officer ? state.tenant : null;
      try {
        await Promise.all([grantsP.read(true), ...(want ? [exportsP.read(true), deletionsP.read(true)] : [])]);
        const wantNames = want ? await purposeNamesOf(want).catch(() => ({})) : {};
        if (officer && state.tenant !== want) return;
        code = want;
        names = wantNames;
        render();
      } catch (e) { fail(e); }
    };
    const render = () => {
      /* each list's buttons go to the business its entries were read for */
      const readFor = (pager, list) => (rest) => pager.path.slice(0, -list.length) + rest;
      const ep = readFor(exportsP, "/export-requests"), dp = readFor(deletionsP, "/deletion-requests");
      {
        const gp = (r) => `/grant-requests/${r.id}`;
        fill(area,
          section("grants_title", "grant-requests", ["col_kind_req", "col_user", "col_detail", "col_requested_by", "col_requested_at"],
            grantsP, (r, act) => [t("kind_" + r.kind), r.user,
              r.kind === "role" ? t("role_" + r.role) : `${r.tenant || ""}${r.files ? ` (${r.files})` : ""}`,
              r.requested_by || "", formatDate(r.requested_at_ms, true), act ? buttons(gp(r), `grant-${r.id}`, `${t("kind_" + r.kind)} ${r.user}`) : statusName(r.status)]),
          code ? section("exports_title", "export-requests", ["col_detail", "col_request_reason", "col_requested_by", "col_requested_at"],
            exportsP, (r, act) => {
              const s = r.spec || {};
              return [[["exp_purpose", names[s.purpose] || s.purpose], ["exp_recipient", s.recipient], ["exp_route", s.route], ["exp_protection", s.protection]]
                .filter(([, v]) => v).map(([k, v]) => `${t(k)}: ${v}`).join("、"),
              r.reason || "", r.requested_by || "", formatDate(r.requested_at_ms, true),
              act ? buttons(ep(`/export-requests/${r.id}`), `export-${r.id}`, `${t("exports_title")} ${r.requested_by || ""}`)
                : statusName(r.status)];
            }) : null,
          code ? section("deletions_title", "deletion-requests", ["col_person", "col_request_reason", "col_requested_by", "col_requested_at"],
            deletionsP, (r, act) => [String(r.person), r.reason || "", r.requested_by || "",
              formatDate(r.requested_at_ms, true), act ? buttons(dp(`/deletion-requests/${r.id}`), `deletion-${r.id}`, `${t("deletions_title")} ${t("col_person")} ${r.person}`)
                : statusName(r.status)]) : null,
          h("p", { class: "hint", text: t("decision_note") }));
      }
    };
    const picker = officer ? await tenantPicker(load) : null;
    show(h("h1", { text: t("approvals_title") }), picker, area);
    await load();
  }

  /* ---- registers and incidents ------------------------------------------- */

  const REGISTERS = ["incidents", "takeouts", "pledges", "training", "ledger_reviews", "contractors", "entry_logs",
    "inspections", "spi_files"];
  /* the API names each field's type (text, date, datetime, integer,
     boolean, sha256, user); which text fields are long is the form's choice */
  const LONG_FIELDS = ["facts", "content", "findings", "fixes", "prevention", "other", "cause", "secondary_damage", "note"];
  const fieldTypes = {};
  function learnTypes(fields) {
    for (const f of fields) fieldTypes[f.name] = f.type;
  }
  function fieldType(name) {
    const type = fieldTypes[name];
    return type === "boolean" ? "bool" : type === "integer" ? "int" : type === "date" || type === "datetime" ? type : "text";
  }
  function showValue(name, v) {
    if (v === null || v === undefined || v === "") return "";
    const type = fieldType(name);
    if (type === "bool") return yesNo(v);
    if (type === "date") return formatDate(v);
    if (type === "datetime") return formatDate(v, true).replace(/:00$/, "");
    return String(v);
  }
  const fieldLabel = (f) => (lang === "ja" ? f.ja : f.en) || f.name;

  let regCode = "incidents";

  /* an incident's PPC deadlines: overdue when the date passed and no report was sent */
  function deadlineCell(target, reportedOn, reportable, kind) {
    if (reportedOn) return h("span", { class: "ok", text: t("inc_reported", { d: formatDate(reportedOn) }) });
    if (!target || !reportable) return "";
    const overdue = target < today();
    return h("span", { class: overdue ? "bad overdue" : "", "data-deadline": kind,
      text: formatDate(target) + (overdue ? `（${t("inc_overdue")}）` : "") });
  }

  async function viewRegisters(editable, titleKey) {
    const area = h("div", { id: "register-area" });
    const formArea = h("div", { id: "register-form-area" });
    const draftArea = h("div", { id: "draft-area", "aria-live": "polite" });
    const regSel = h("select", { id: "register" }, REGISTERS.map((c) =>
      h("option", { value: c, selected: c === regCode ? true : null, text: t("reg_" + c) })));
    regSel.addEventListener("change", () => { regCode = regSel.value; fill(draftArea); load(); });

    /* a form and its entries belong to the business and register they were
       read for (tp, reg): another choice takes them away at once, and a
       save never goes to a business the form was not read for */
    const entryForm = (fields, entry, tp, reg) => {
      const inputs = fields.flatMap((f) => {
        const id = `rf-${f.name}`, type = fieldType(f.name), v = entry ? entry[f.name] : undefined;
        let input;
        if (type === "bool") {
          input = h("select", { id, name: f.name },
            f.required ? null : h("option", { value: "", text: t("unset") }),
            h("option", { value: "false", selected: v === false ? true : null, text: t("no") }),
            h("option", { value: "true", selected: v === true ? true : null, text: t("yes") }));
        } else if (LONG_FIELDS.includes(f.name)) {
          input = h("textarea", { id, name: f.name, rows: "3", required: f.required ? true : null });
          input.value = v === undefined || v === null ? "" : String(v);
        } else {
          input = h("input", { id, name: f.name, required: f.required ? true : null, autocomplete: "off",
            type: type === "int" ? "number" : type === "date" ? "date" : type === "datetime" ? "datetime-local" : "text",
            min: type === "int" ? "0" : null, max: type === "int" ? "999" : null });
          input.value = v === undefined || v === null ? "" : String(v);
        }
        return field(id, fieldLabel(f) + (f.required ? " *" : ""), input);
      });
      const form = h("form", { class: "card", id: "register-form", "data-tenant": tp.code, "data-register": reg },
        h("h2", { text: entry ? t("reg_edit", { id: entry.id }) : `${t("reg_add")}: ${t("reg_" + reg)}` }),
        inputs,
        h("button", { class: "primary", type: "submit", id: "register-save", text: entry ? t("reg_update") : t("reg_save") }),
        entry ? h("button", { class: "secondary", type: "button", text: t("cancel"), onclick: () => fill(formArea, entryForm(fields, null, tp, reg)) }) : null);
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const body = {};
        for (const f of fields) {
          const raw = form.querySelector(`[name="${f.name}"]`).value.trim(), type = fieldType(f.name);
          const value = raw === "" ? null : type === "bool" ? raw === "true" : type === "int" ? Number(raw) : raw;
          if (!entry) { if (value !== null) body[f.name] = value; }
          else if (value !== (entry[f.name] === undefined ? null : entry[f.name])) body[f.name] = value;
        }
        if (entry && !Object.keys(body).length) return notice(t("reg_nothing_changed"));
        try {
          const r = entry ? await api("PUT", tp(`/registers/${reg}/${entry.id}`), body)
            : await api("POST", tp(`/registers/${reg}`), body);
          await load();
          notice(t(entry ? "reg_updated" : "reg_added", { id: r.id }));
        } catch (e) { fail(e); }
      });
      return form;
    };

    const draft = async (entry, final, tp) => {
      try {
        const text = await apiText(tp(`/registers/incidents/${entry.id}/draft?format=${final ? "final" : "preliminary"}`));
        fill(draftArea, h("h2", { text: t("inc_draft_title", { id: entry.id }) }), h("pre", { class: "draft", id: "draft-text", text }));
      } catch (e) { fail(e); }
    };
    const edit = (fields, entry, tp, reg) => {
      fill(formArea, entryForm(fields, entry, tp, reg)); formArea.querySelector("input, select, textarea").focus();
    };

    const load = async () => {
      const code = state.tenant, reg = regCode;
      fill(formArea);
      if (!code) return fill(area, h("p", { text: t("no_tenant") }));
      const tp = Object.assign((rest) => `/tenants/${enc(code)}${rest}`, { code });
      try {
        const r = await api("GET", tp(`/registers/${reg}`));
        if (state.tenant !== code || regCode !== reg) return;
        const fields = r.fields || [], entries = r.entries || [];
        learnTypes(fields);
        let tbl, extra = null;
        if (regCode === "incidents") {
          let overdue = 0;
          const rows = entries.map((e) => {
            const p = e.ppc || {};
            const prelim = deadlineCell(p.preliminary_target, e.preliminary_reported_on, p.reportable, "preliminary");
            const final = deadlineCell(p.final_due, e.final_reported_on, p.reportable, "final");
            overdue += [prelim, final].filter((c) => c instanceof Node && c.classList.contains("overdue")).length;
            return [String(e.id), e.title || "", formatDate(e.known_on), String(e.persons ?? ""),
              p.reportable ? h("span", { class: "bad", text: `${t("inc_reportable")}: ${(p.reasons || []).map(bilingual).join("、")}` })
                : p.spared_by_encryption ? t("inc_encrypted") : t("inc_not_reportable"),
              prelim, final,
              h("ul", { class: "plain" }, (p.warnings || []).map((w) => h("li", { text: bilingual(w) }))),
              h("span", {},
                editable ? h("button", { class: "secondary", type: "button", "data-edit": e.id, text: t("edit"), onclick: () => edit(fields, e, tp, reg) }) : null,
                h("button", { class: "secondary", type: "button", "data-draft": e.id, text: t("inc_draft"), onclick: () => draft(e, false, tp) }),
                h("button", { class: "secondary", type: "button", "data-draft-final": e.id, text: t("inc_draft_final"), onclick: () => draft(e, true, tp) }))];
          });
          tbl = rows.length ? table("register-table", ["col_id", "col_title", "reg_known_on", "col_persons_affected", "inc_report",
            "inc_prelim", "inc_final", "inc_warnings", "col_actions"], rows) : h("p", { id: "register-empty", text: t("reg_empty") });
          const months = Object.entries(r.trend || {}).sort();
          extra = [overdue ? h("p", { class: "bad", id: "overdue-count", role: "alert", text: t("inc_overdue_count", { n: overdue }) }) : null,
            months.length ? h("h2", { text: t("inc_trend") }) : null,
            months.length ? table("incident-trend", ["col_month", "col_incidents", "col_persons_affected"],
              months.map(([m, v]) => [m, String(v.incidents), String(v.persons)])) : null];
        } else {
          const heads = ["col_id", ...fields.map(fieldLabel), "col_recorded_by", ...(editable ? ["col_actions"] : [])];
          const rows = entries.map((e) => [String(e.id), ...fields.map((f) => showValue(f.name, e[f.name])), e.recorded_by || "",
            ...(editable ? [h("button", { class: "secondary", type: "button", "data-edit": e.id, text: t("edit"), onclick: () => edit(fields, e, tp, reg) })] : [])]);
          tbl = rows.length ? table("register-table", heads, rows) : h("p", { id: "register-empty", text: t("reg_empty") });
        }
        if (tbl.tagName === "TABLE") tbl.querySelectorAll("tbody tr").forEach((tr, i) => tr.setAttribute("data-id", entries[i].id));
        fill(area, tbl, extra);
        fill(formArea, editable ? entryForm(fields, null, tp, reg) : null);
      } catch (e) { fail(e); }
    };
    const picker = await tenantPicker(load);
    show(h("h1", { text: t(titleKey) }), h("div", { class: "toolbar" }, picker,
      h("div", {}, h("label", { for: "register", text: t("reg_register") }), regSel)), area, draftArea, formArea);
    await load();
  }
  WORDS.ja.reg_known_on = "発覚日"; WORDS.en.reg_known_on = "Became known";

  /* ---- officer: the access review ---------------------------------------- */

  async function viewAccessReview() {
    const [r, pol] = await Promise.all([api("GET", "/access-review"), api("GET", "/access-policy")]);
    const rows = (r.users || []).map((u) => [u.name, t("role_" + u.role), u.tenants || "",
      u.disabled ? t("disabled") : t("active"), u.locked ? h("span", { class: "bad", text: t("locked") }) : "",
      yesNo(u.two_factor), u.role_pending ? t("st_pending") : "",
      u.last_login_ms ? formatDate(u.last_login_ms, true) : t("never"), u.last_act_ms ? formatDate(u.last_act_ms, true) : t("never")]);
    const status = h("p", { id: "review-status", "aria-live": "polite" });
    const confirm = state.role === "officer" ? h("button", { class: "primary", type: "button", id: "review-confirm", text: t("review_confirm") }) : null;
    if (confirm) confirm.addEventListener("click", async () => {
      try {
        await api("POST", "/access-review/confirm", { report_sha256: r.report_sha256 });
        status.textContent = t("review_confirmed");
        status.className = "ok";
        confirm.disabled = true;
      } catch (e) { fail(e); }
    });
    const lc = r.last_confirmed;
    const last = h("p", { id: "review-last", class: lc && lc.current ? "ok" : "hint",
      text: lc ? t(lc.current ? "review_last_current" : "review_last_changed", { at: formatDate(lc.at_ms, true), by: lc.by })
        : t("review_never") });
    show(h("h1", { text: t("review_title") }), last,
      table("review", ["col_name", "col_role", "col_tenants", "col_disabled", "col_locked", "col_2fa", "col_pending_role",
        "col_last_login", "col_last_act"], rows),
      h("p", {}, h("span", { class: "hint", text: t("review_hash") + ": " }), h("code", { class: "mono", id: "review-hash", text: r.report_sha256 || "" })),
      confirm, status,
      h("h2", { text: t("policy_title") }),
      dl("access-policy", [
        ["pol_password", String(((pol.password || {}).min_length) ?? "")],
        ["pol_lockout", String(((pol.lockout || {}).user_failures) ?? "")],
        ["pol_idle", String(((pol.sessions || {}).idle_seconds) ?? "")],
        ["pol_sod", pol.separation_of_duties ? t("on") : t("off")],
        ["pol_mfa", (pol.require_mfa_roles || []).join(", ") || t("due_none")]]));
  }

  /* ---- the check sheet: assessments, items, evidence, dashboard ----------- */

  let sheet = null, assessmentId = null, sectionId = "C-a";
  const STATUSES = ["not_assessed", "satisfied", "partly", "not_satisfied", "not_applicable"];
  async function sheetData() {
    if (!sheet) sheet = await api("GET", "/checksheet");
    return sheet;
  }
  const sections = (cs) => cs.categories.flatMap((c) => c.sections);
  const title = (o) => (lang === "ja" ? o.title_ja : o.title_en || o.title_ja) || "";

  /* the score and coverage per category and section, and the trend */
  async function dashboard(id) {
    const [rep, trend, cs] = await Promise.all([api("GET", `/assessments/${id}/report`), api("GET", tpath("/assessments/trend")), sheetData()]);
    const s = rep.summary || {};
    const rowOf = (key, label, strong) => {
      const x = s[key] || {};
      const cells = [label, pct((x.minimum || {}).score), pct((x.minimum || {}).coverage), pct((x.optional || {}).score),
        pct((x.optional || {}).coverage), pct((x.all || {}).score), pct((x.all || {}).coverage)];
      return strong ? cells.map((c) => h("strong", { text: c })) : cells;
    };
    const rows = [];
    for (const c of cs.categories) {
      rows.push(rowOf(c.id, `${c.id} ${title(c)}`, true));
      for (const sec of c.sections) rows.push(rowOf(sec.id, `${sec.id} ${title(sec)}`, false));
    }
    rows.push(rowOf("all", t("cs_all"), true));
    const heads = ["cs_category", "cs_min_score", "cs_min_cov", "cs_opt_score", "cs_opt_cov", "cs_all_score", "cs_all_cov"];
    const tbl = table("score-table", heads, rows);
    const keys = [...cs.categories.flatMap((c) => [c.id, ...c.sections.map((x) => x.id)]), "all"];
    tbl.querySelectorAll("tbody tr").forEach((tr, i) => tr.setAttribute("data-key", keys[i]));
    const tr = (trend.trend || []).map((a) => [a.title, formatDate(a.started_at, true),
      pct((a.minimum || {}).score), pct((a.minimum || {}).coverage), pct((a.optional || {}).score), pct((a.optional || {}).coverage)]);
    return { rep, nodes: [h("h2", { text: t("cs_dashboard") }), h("p", { class: "hint", text: t("cs_score_note") }), tbl,
      h("h2", { text: t("cs_trend") }),
      table("trend", ["col_title", "col_started", "cs_min_score", "cs_min_cov", "cs_opt_score", "cs_opt_cov"], tr)] };
  }

  /* the tenant's assessments as a picker; calls onPick(id) */
  async function assessmentPicker(onPick) {
    const r = await api("GET", tpath("/assessments"));
    const list = r.assessments || [];
    if (!list.some((a) => a.id === assessmentId)) assessmentId = list.length ? list[0].id : null;
    const sel = h("select", { id: "assessment" }, list.map((a) =>
      h("option", { value: String(a.id), selected: a.id === assessmentId ? true : null, text: `${a.title} (${formatDate(a.started_at)})` })));
    sel.addEventListener("change", () => { assessmentId = Number(sel.value); onPick(); });
    return list.length ? h("div", {}, h("label", { for: "assessment", text: t("cs_assessment") }), sel)
      : h("p", { id: "assessment-none", text: t("cs_none") });
  }

  async function viewChecksheet() {
    const pickArea = h("div", { id: "assessment-pick" });
    const dash = h("div", { id: "dashboard" });
    const items = h("div", { id: "items-area" });
    const probes = h("div", { id: "probes-area" });
    const newForm = h("form", { class: "toolbar", id: "assessment-new" },
      h("div", {}, ...field("assessment-title", t("cs_new_title"), h("input", { id: "assessment-title", required: true, maxlength: "200" }))),
      h("button", { class: "primary", type: "submit", id: "assessment-create", text: t("cs_new") }));
    newForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const r = await api("POST", tpath("/assessments"), { title: $("assessment-title").value.trim() });
        assessmentId = r.assessment.id;
        $("assessment-title").value = "";
        await loadTenant();
        notice(t("cs_created", { n: Object.keys(r.results || {}).length }));
      } catch (e) { fail(e); }
    });

    const loadItems = async () => {
      const [cs, a] = await Promise.all([sheetData(), api("GET", `/assessments/${assessmentId}`)]);
      const results = a.results || {};
      const secSel = h("select", { id: "section" }, sections(cs).map((x) =>
        h("option", { value: x.id, selected: x.id === sectionId ? true : null, text: `${x.id} ${title(x)}` })));
      secSel.addEventListener("change", () => { sectionId = secSel.value; loadItems().catch(fail); });
      const sec = sections(cs).find((x) => x.id === sectionId) || sections(cs)[0];
      const rows = sec.items.map((it) => {
        const res = results[it.id] || { status: "not_assessed" };
        const byProbe = res.attested_by === "mnsafe";
        const st = h("select", { id: `st-${it.id}`, "aria-label": t("cs_status_for", { item: it.id }), disabled: byProbe ? true : null },
          STATUSES.map((s) => h("option", { value: s, selected: s === res.status ? true : null, text: t("s_" + s) })));
        const note = h("textarea", { id: `note-${it.id}`, rows: "2", "aria-label": t("cs_note_for", { item: it.id }), disabled: byProbe ? true : null });
        note.value = res.evidence_note || res.reason || "";
        const file = h("input", { id: `ev-${it.id}`, type: "file", accept: ".pdf,.png,.jpg,.jpeg,.txt,.csv,.zip",
          "aria-label": t("cs_file_for", { item: it.id }) });
        const save = async () => {
          const body = { status: st.value };
          if (note.value.trim()) body.evidence_note = note.value.trim();
          if (st.value === "not_applicable") body.reason = note.value.trim();
          try {
            await api("PUT", `/assessments/${assessmentId}/items/${enc(it.id)}`, body);
            await Promise.all([loadDash(), loadItems()]);
            notice(t("cs_saved", { item: it.id }));
          } catch (e) { fail(e); }
        };
        const upload = async () => {
          const f = file.files[0];
          if (!f) return notice(t("cs_no_file"), true);
          try {
            const r = await api("POST", `/assessments/${assessmentId}/items/${enc(it.id)}/evidence`,
              { filename: f.name, content_type: contentTypeOf(f), content_base64: await fileBase64(f) });
            await loadItems();
            notice(t("cs_uploaded", { item: it.id, name: f.name, sha: String(r.sha256 || "").slice(0, 12) }));
          } catch (e) { fail(e); }
        };
        return [h("span", { class: "mono", text: it.id }),
          h("span", {}, h("span", { class: "badge", text: it.level === "minimum" ? t("cs_min") : t("cs_opt") }), " ",
            lang === "ja" ? it.text_ja : it.text_en || it.text_ja,
            res.probe_detail ? h("div", { class: "hint", text: `${t("cs_by_probe")}: ${res.probe_detail}` }) : null,
            res.evidence_expired ? h("div", { class: "bad", text: t("cs_expired") }) : null),
          h("span", {}, st, byProbe ? null : h("button", { class: "secondary", type: "button", "data-save": it.id, text: t("cs_save"), onclick: save })),
          note,
          h("span", {}, h("ul", { class: "plain evidence" }, (res.evidence_files || []).map((x) =>
            h("li", { text: `${x.filename} (${x.size} B, SHA-256 ${String(x.sha256).slice(0, 12)}…)` }))),
          file, h("button", { class: "secondary", type: "button", "data-upload": it.id, text: t("cs_upload"), onclick: upload }))];
      });
      const tbl = table("items", ["col_item", "col_text", "col_verdict", "col_note", "col_evidence"], rows);
      tbl.querySelectorAll("tbody tr").forEach((tr, i) => tr.setAttribute("data-item", sec.items[i].id));
      fill(items, h("h2", { text: t("cs_items") }), h("div", {}, h("label", { for: "section", text: t("cs_section") }), secSel), tbl);
    };
    const loadDash = async () => { fill(dash, (await dashboard(assessmentId)).nodes); };
    const loadProbes = async () => {
      const r = await api("GET", "/checksheet/probes");
      fill(probes, h("details", { id: "probes" }, h("summary", { text: t("cs_probes") }),
        table("probe-table", ["col_item", "col_verdict", "col_probe_detail"], Object.entries(r).map(([k, v]) =>
          [h("span", { class: "mono", text: k }), t("s_" + v.status), v.probe_detail || ""]))));
    };
    const loadTenant = async () => {
      if (!state.tenant) return fill(pickArea, h("p", { text: t("no_tenant") }));
      try {
        fill(pickArea, await assessmentPicker(() => loadAssessment()));
        await loadAssessment();
      } catch (e) { fail(e); }
    };
    const loadAssessment = async () => {
      try {
        if (!assessmentId) { fill(dash); fill(items); return; }
        await Promise.all([loadDash(), loadItems()]);
      } catch (e) { fail(e); }
    };
    const picker = await tenantPicker(loadTenant);
    show(h("h1", { text: t("cs_title") }), h("div", { class: "toolbar" }, picker, pickArea), newForm, dash, items, probes);
    await Promise.all([loadTenant(), loadProbes().catch(fail)]);
  }

  /* ---- auditor: the assessment report ------------------------------------- */

  async function viewReport() {
    const pickArea = h("div", { id: "assessment-pick" });
    const area = h("div", { id: "report-area" });
    const loadAssessment = async () => {
      try {
        if (!assessmentId) return fill(area);
        const { rep, nodes } = await dashboard(assessmentId);
        const gaps = rep.gaps || [];
        const shown = gaps.slice(0, 200);
        const link = (format, key, file) => h("a", { href: `${API}/assessments/${assessmentId}/report?format=${format}`,
          download: file, id: `report-${format}`, text: t(key) });
        fill(area, h("p", {}, h("span", { text: t("report_download") + ": " }),
          link(lang === "ja" ? "csv" : "csv-en", "report_csv", "checksheet-report.csv"), " ・ ",
          link(lang === "ja" ? "html" : "html-en", "report_html", "checksheet-report.html")),
          nodes, h("details", { id: "gaps-details" }, h("summary", { text: `${t("report_gaps")} (${gaps.length})` }),
          table("gaps", ["col_item", "col_level", "col_status", "col_text", "col_owner", "col_due_on"], shown.map((g) => [
            h("span", { class: "mono", text: g.item }), g.level === "minimum" ? t("cs_min") : t("cs_opt"), t("s_" + g.status),
            lang === "ja" ? g.text_ja || "" : g.text_en || g.text_ja || "", g.owner || "", g.due ? formatDate(g.due) : ""])),
          gaps.length > shown.length ? h("p", { class: "hint", text: t("gaps_more", { n: gaps.length - shown.length }) }) : null));
      } catch (e) { fail(e); }
    };
    const loadTenant = async () => {
      if (!state.tenant) return fill(pickArea, h("p", { text: t("no_tenant") }));
      try {
        fill(pickArea, await assessmentPicker(loadAssessment));
        await loadAssessment();
      } catch (e) { fail(e); }
    };
    const picker = await tenantPicker(loadTenant);
    show(h("h1", { text: t("report_title") }), h("div", { class: "toolbar" }, picker, pickArea), area);
    await loadTenant();
  }

  /* ---- officer: deleting the persons who are due (around app.js's due list) */

  const baseDue = ROUTES["#/due"].view;
  async function viewDueWithDelete() {
    await baseDue();
    if (state.role !== "officer" || !state.tenant || !$("due-area")) return;
    const result = h("p", { id: "due-result", "aria-live": "polite" });
    const form = h("form", { class: "card", id: "due-delete" },
      h("h2", { text: t("due_delete_title") }),
      h("p", { class: "bad", text: t("due_delete_confirm") }),
      ...field("due-as-of", t("due_delete_as_of"), h("input", { id: "due-as-of", type: "date" })),
      h("label", {}, h("input", { type: "checkbox", id: "due-agree", required: true }), " " + t("due_delete_check")),
      h("button", { class: "primary", type: "submit", id: "due-delete-go", text: t("due_delete_do") }), result);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = $("due-as-of").value ? { as_of: $("due-as-of").value } : {};
      /* the business whose due list is on the screen, never one still loading */
      const code = $("due-area").dataset.tenant;
      if (!code || code !== state.tenant) return fail(new Error(t("due_list_loading")));
      try {
        const r = await api("POST", `/tenants/${enc(code)}/retention/delete`, body);
        const deleted = r.deleted || [], held = r.held || [];
        const text = t("due_deleted", { n: deleted.length, ids: deleted.join(", ") || t("due_none"), held: held.join(", ") || t("due_none") });
        await navigate("#/due");
        notice(text);
      } catch (e) { fail(e); }
    });
    $("main").append(form);
  }

  /* ---- sysadmin: users ------------------------------------------------------ */

  let panelUser = null;
  async function viewUsers() {
    const listArea = h("div", { id: "users-area" });
    const panel = h("div", { id: "user-panel" });
    const once = h("div", { id: "otp-area", "aria-live": "polite" });
    const showOnce = (label, password) => fill(once, h("div", { class: "card once" },
      h("p", { text: label }), h("output", { class: "revealed mono", id: "one-time-password", text: password })));
    let tenants = [];
    const act = async (fn, message) => {
      try { const r = await fn(); await load(); const m = message(r); if (m) notice(m); return r; }
      catch (e) { fail(e); return null; }
    };
    const openPanel = (u) => {
      panelUser = u.name;
      const name = enc(u.name);
      const role = roleSelect("panel-role", u.role);
      const assignTenant = h("select", { id: "panel-tenant" }, tenants.map((x) => h("option", { value: x.code, text: `${x.name} (${x.code})` })));
      const files = h("fieldset", { id: "panel-files" }, h("legend", { text: t("assign_files") }),
        ["employees", "payees"].map((f) => h("label", {}, h("input", { type: "checkbox", name: "file", value: f, checked: true }), " " + t("file_" + f))));
      const assigned = String(u.tenants || "").split(",").filter(Boolean);
      fill(panel, h("section", { class: "card", "aria-labelledby": "panel-title" },
        h("h2", { id: "panel-title", text: t("user_panel", { name: u.name }) }),
        h("div", { class: "toolbar" }, h("div", {}, h("label", { for: "panel-role", text: t("user_role") }), role),
          h("button", { class: "secondary", type: "button", id: "panel-role-go", text: t("user_change_role"), onclick: () => act(
            () => api("PUT", `/users/${name}/role`, { role: role.value }),
            (r) => r.status === "pending" ? t("role_pending", { name: u.name, role: t("role_" + r.role), id: r.request_id })
              : t("role_granted", { name: u.name, role: t("role_" + r.role) })) })),
        h("div", { class: "toolbar" }, h("div", {}, h("label", { for: "panel-tenant", text: t("tenant") }), assignTenant), files,
          h("button", { class: "secondary", type: "button", id: "panel-assign", text: t("user_assign"), onclick: () => {
            const chosen = [...files.querySelectorAll("input:checked")].map((x) => x.value);
            return act(() => api("POST", `/users/${name}/assignments`, { tenant: assignTenant.value, files: chosen }),
              (r) => r.status === "pending" ? t("assign_pending", { name: u.name, tenant: r.tenant, id: r.request_id })
                : t("assigned", { name: u.name, tenant: r.tenant || assignTenant.value }));
          } })),
        h("div", { class: "toolbar" }, assigned.map((tc) => h("button", { class: "secondary", type: "button", "data-unassign": tc,
          text: t("unassign", { tenant: tc }), onclick: () => act(() => api("DELETE", `/users/${name}/assignments/${enc(tc)}`),
            () => t("unassigned", { name: u.name, tenant: tc })) }))),
        h("div", { class: "toolbar" },
          h("button", { class: "secondary", type: "button", id: "panel-unlock", text: t("unlock"),
            onclick: () => act(() => api("POST", `/users/${name}/unlock`), () => t("unlocked", { name: u.name })) }),
          confirmButton("panel-pw-reset", t("pw_reset"), t("sure"), async () => {
            const r = await act(() => api("POST", `/users/${name}/password-reset`), () => null);
            if (r) showOnce(t("user_otp_reset", { name: u.name }), r.one_time_password);
          }),
          confirmButton("panel-mfa-reset", t("mfa_reset"), t("sure"),
            () => act(() => api("POST", `/users/${name}/mfa-reset`), () => t("mfa_was_reset", { name: u.name }))))));
    };
    const load = async () => {
      const [r, tl] = await Promise.all([api("GET", "/users"), api("GET", "/tenants")]);
      tenants = tl.tenants || [];
      const users = r.users || [];
      const tbl = table("users", ["col_name", "col_role", "col_tenants", "col_disabled", "col_actions"], users.map((u) => [
        u.name, t("role_" + u.role) + (u.role_pending ? ` (${t("st_pending")})` : ""), String(u.tenants || ""),
        u.disabled ? t("disabled") : u.must_change_password ? t("must_change") : t("active"),
        h("button", { class: "secondary", type: "button", "data-manage": u.name, text: `${t("manage")}: ${u.name}`, onclick: () => { fill(once); openPanel(u); $("panel-title").focus(); } })]));
      tbl.querySelectorAll("tbody tr").forEach((tr, i) => tr.setAttribute("data-user", users[i].name));
      fill(listArea, tbl);
      const still = users.find((u) => u.name === panelUser);
      if (still) openPanel(still); else fill(panel);
    };
    const form = h("form", { class: "card", id: "user-form" }, h("h2", { text: t("user_new") }),
      ...field("new-user", t("user_name"), h("input", { id: "new-user", required: true, autocomplete: "off" })),
      ...field("new-role", t("user_role"), roleSelect("new-role", "clerk")),
      h("button", { class: "primary", type: "submit", id: "user-create", text: t("user_create") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const r = await api("POST", "/users", { name: $("new-user").value.trim(), role: $("new-role").value });
        $("new-user").value = "";
        await load();
        showOnce(t("user_otp"), r.one_time_password);
        notice(t("user_created", { name: r.name }) + (r.role_pending ? " " + t("user_role_pending", { id: r.request_id }) : ""));
      } catch (e) { fail(e); }
    });
    panelUser = null;
    show(h("h1", { text: t("users_manage") }), form, once, listArea, panel);
    await load();
  }

  /* ---- sysadmin: tenants and their policies -------------------------------- */

  async function viewTenants() {
    const listArea = h("div", { id: "tenants-area" });
    const policyArea = h("div", { id: "policy-area" });
    /* the form belongs to the business it was read for: the old one leaves
       at once when another is chosen, and a save goes to its own business */
    const loadPolicy = async () => {
      const code = state.tenant, path = `/tenants/${enc(code)}/policy`;
      fill(policyArea);
      try {
        const p = await api("GET", path);
        if (state.tenant !== code) return;
        const check = (id, key, on) => h("label", {}, h("input", { type: "checkbox", id, checked: on ? true : null }), " " + t(key));
        const form = h("form", { class: "card", id: "policy-form", "data-tenant": code },
          check("pol-mfa", "pol_require_mfa", p.require_mfa),
          ...field("pol-networks", t("pol_networks"), h("input", { id: "pol-networks", autocomplete: "off" })),
          ...field("pol-hours", t("pol_hours"), h("input", { id: "pol-hours", autocomplete: "off" })),
          check("pol-pledge", "pol_pledge", p.require_pledge_training),
          check("pol-export", "pol_export", p.export_approval),
          h("button", { class: "primary", type: "submit", id: "policy-save", text: t("pol_save") }));
        form.querySelector("#pol-networks").value = p.allow_networks || "";
        form.querySelector("#pol-hours").value = p.allow_hours || "";
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          const body = { require_mfa: $("pol-mfa").checked, allow_networks: $("pol-networks").value.trim() || null,
            allow_hours: $("pol-hours").value.trim() || null, require_pledge_training: $("pol-pledge").checked,
            export_approval: $("pol-export").checked };
          try { await api("PUT", path, body); await loadPolicy(); notice(t("pol_saved", { code })); }
          catch (e) { fail(e); }
        });
        fill(policyArea, form);
      } catch (e) { fail(e); }
    };
    const load = async () => {
      const r = await api("GET", "/tenants");
      fill(listArea, table("tenants", ["col_tcode", "col_tname"], (r.tenants || []).map((x) => [x.code, x.name])));
    };
    const form = h("form", { class: "card", id: "tenant-form" }, h("h2", { text: t("tenant_new") }),
      ...field("tenant-code", t("tenant_code"), h("input", { id: "tenant-code", required: true, autocomplete: "off" })),
      ...field("tenant-name", t("tenant_name"), h("input", { id: "tenant-name", required: true, autocomplete: "off" })),
      ...field("tenant-corp", t("tenant_corp"), h("input", { id: "tenant-corp", inputmode: "numeric", autocomplete: "off" })),
      h("button", { class: "primary", type: "submit", id: "tenant-create", text: t("tenant_create") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { code: $("tenant-code").value.trim(), name: $("tenant-name").value.trim() };
      if ($("tenant-corp").value.trim()) body.corporate_number = $("tenant-corp").value.trim();
      try { await api("POST", "/tenants", body); await render(); notice(t("tenant_created", { code: body.code })); }
      catch (e) { fail(e); }
    });
    await load();
    const picker = await tenantPicker(loadPolicy);
    picker.querySelector("label").textContent = t("tenant_policy_of");
    show(h("h1", { text: t("tenants_title") }), listArea, form, h("h2", { text: t("tenant_policy") }), picker, policyArea);
    if (state.tenant) await loadPolicy();
  }

  /* ---- seal and unseal ------------------------------------------------------- */

  function unsealForm(after) {
    const share = h("input", { id: "unseal-share", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
    const out = h("p", { id: "unseal-result", "aria-live": "polite" });
    const form = h("form", { class: "card", id: "unseal-form" }, h("h2", { text: t("unseal_title") }),
      ...field("unseal-share", t("unseal_share"), share),
      h("button", { class: "primary", type: "submit", id: "unseal-go", text: t("unseal_do") }), out);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const value = share.value.trim();
      share.value = "";
      try {
        const r = await api("POST", "/sys/unseal", { share: value }, { login: true });
        const st = r && r.sealed === false ? null : await api("GET", "/sys/seal-status", undefined, { login: true });
        out.textContent = !st || !st.sealed ? t("unsealed_now")
          : t("unseal_progress", { given: st.shares_given, threshold: st.threshold });
        out.className = !st || !st.sealed ? "ok" : "";
        if (after) await after();
      } catch (e) { fail(e); }
    });
    return form;
  }

  async function viewSeal() {
    const stateArea = h("div", { id: "seal-area" });
    const load = async () => {
      const s = await api("GET", "/sys/seal-status");
      fill(stateArea, h("p", { id: "seal-state", class: s.sealed ? "bad" : "ok",
        text: `${t("seal_state")}: ${s.sealed ? t("sealed") : t("unsealed")} (${t("seal_mode")}: ${s.seal_mode || ""})` }),
      s.sealed && s.threshold ? h("p", { text: `${t("seal_shares")}: ${s.shares_given} / ${s.threshold}` }) : null);
      /* sealing is for an unsealed store, unsealing for a sealed one */
      sealCard.hidden = !!s.sealed;
      unseal.hidden = !s.sealed;
    };
    const seal = confirmButton("seal-go", t("seal_do"), t("seal_confirm"), async () => {
      try { await api("POST", "/sys/seal"); await load(); notice(t("sealed_now")); } catch (e) { fail(e); }
    });
    const sealCard = h("div", { class: "card" }, seal), unseal = unsealForm(load);
    show(h("h1", { text: t("seal_title") }), stateArea, sealCard, unseal);
    await load();
  }

  /* the unseal form without a session (a sealed store takes no login) */
  function viewUnsealPublic() {
    showScreen([h("h1", { text: t("unseal_title") }), unsealForm(null),
      h("p", {}, h("a", { href: "#/login", text: t("login_title") }))]);
  }
  const baseLogin = ROUTES["#/login"].view;
  async function viewLoginWithUnseal() {
    baseLogin();
    try {
      const s = await api("GET", "/sys/seal-status", undefined, { login: true });
      if (s && s.sealed && !state.user && $("login-form"))
        $("main").append(h("p", { id: "unseal-link" }, h("a", { href: "#/unseal", text: t("unseal_link") })));
    } catch (e) { /* the login form says what is wrong when it is used */ }
  }

  /* ---- sysadmin: backups ------------------------------------------------------ */

  async function viewBackups() {
    const made = h("div", { id: "backup-made", "aria-live": "polite" });
    const verified = h("div", { id: "backup-verified", "aria-live": "polite" });
    const path = h("input", { id: "backup-path", required: true, autocomplete: "off", class: "mono" });
    const make = h("button", { class: "primary", type: "button", id: "backup-go", text: t("backup_make") });
    make.addEventListener("click", async () => {
      make.disabled = true;
      try {
        const r = await api("POST", "/sys/backup");
        const m = r.manifest || {};
        path.value = r.path || "";
        fill(made, h("p", { class: "ok", text: t("backup_made") }), dl("backup-manifest", [
          ["backup_path", h("code", { class: "mono", text: r.path || "" })], ["bk_created", formatDate(m.created_at, true)],
          ["bk_by", m.created_by], ["bk_size", String(m.db_size ?? "")], ["bk_sha", h("code", { class: "mono", text: m.db_sha256 || "" })],
          ["bk_persons", String(m.persons ?? "")], ["bk_tenants", String(m.tenants ?? "")], ["bk_audit", String(m.audit_entries ?? "")]]));
        fill(verified);
      } catch (e) { fail(e); }
      make.disabled = false;
    });
    const form = h("form", { class: "card", id: "backup-verify-form" },
      ...field("backup-path", t("backup_path"), path),
      h("button", { class: "primary", type: "submit", id: "backup-verify", text: t("backup_verify") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      fill(verified);
      try {
        const r = await api("POST", "/sys/backup/verify", { path: path.value.trim() });
        const good = r.integrity === "ok" && r.audit === "intact";
        fill(verified, h("p", { class: good ? "ok" : "bad", id: "backup-verdict", text: `${t("bk_result")}: ${t("backup_verified")}` }),
          dl("backup-check", [["bk_integrity", String(r.integrity ?? "")], ["bk_audit_chain", String(r.audit ?? "")],
            ["bk_numbers", String(r.numbers_opened ?? "")], ["bk_persons", String((r.manifest || {}).persons ?? "")]]));
      } catch (e) { fail(e); }
    });
    show(h("h1", { text: t("backups_title") }), h("div", { class: "card" }, make, made), form, verified);
  }

  /* ---- routes ------------------------------------------------------------------ */

  ROUTES["#/login"].view = viewLoginWithUnseal;
  ROUTES["#/due"].view = viewDueWithDelete;
  Object.assign(ROUTES, {
    "#/unseal": { view: viewUnsealPublic, public: true },
    "#/approvals": { view: viewApprovals, nav: "nav_approvals", roles: ["officer", "sysadmin"] },
    "#/incidents": { view: () => viewRegisters(true, "reg_title"), nav: "nav_incidents", roles: ["officer"] },
    "#/access-review": { view: viewAccessReview, nav: "nav_review", roles: ["officer", "auditor"] },
    "#/checksheet": { view: viewChecksheet, nav: "nav_checksheet", roles: ["officer"] },
    "#/registers": { view: () => viewRegisters(false, "reg_title"), nav: "nav_registers", roles: ["auditor", "clerk"] },
    "#/report": { view: viewReport, nav: "nav_report", roles: ["auditor", "officer"] },
    "#/users": { view: viewUsers, nav: "nav_users", roles: ["sysadmin"] },
    "#/tenants": { view: viewTenants, nav: "nav_tenants", roles: ["sysadmin"] },
    "#/seal": { view: viewSeal, nav: "nav_seal", roles: ["sysadmin"] },
    "#/backups": { view: viewBackups, nav: "nav_backups", roles: ["sysadmin"] },
  });
})();
