/*
 * main.c: the mnsafe program. Verbs that need keys talk to the daemon over
 * its Unix socket; init, serve, audit verify and check-number work on their
 * own. Exit codes: 0 success, 1 failure, 2 usage.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "cli.h"
#include "mnsafe/crypto.h"
#include "mnsafe/mynumber.h"
#include "mnsafe/vault.h"
#include "mnsafe/retention.h"
#include "mnsafe/store.h"
#include "qr.h"
#include "server.h"

#define DEFAULT_DATA_DIR "/var/lib/mnsafe"

static const char usage_text[] =
    "mnsafe: keeps My Numbers (個人番号) encrypted, audited and deletable for good.\n"
    "\n"
    "usage: mnsafe [--data DIR] [--store URL] [--socket PATH] VERB [ARGS]\n"
    "  --store URL: the database; default sqlite:DATA/mnsafe.db, or postgresql://...\n"
    "               (libpq URL; e.g. ?sslmode=verify-full&sslrootcert=FILE). init, serve\n"
    "               and audit verify use it; serve also reads `store` from --config.\n"
    "\n"
    "Setting up and running:\n"
    "  init [--shares N] [--threshold K] [--dev]  create a store; prints the unseal shares\n"
    "                                             (default 5 and 3) and the first sysadmin's\n"
    "                                             one-time password. --dev: key file instead\n"
    "                                             of shares (demos and tests only)\n"
    "  serve [--dev] [--listen HOST:PORT] [--no-https] [--cert F --key F] [--threads N] [--quick-threads N]\n"
    "        [--checkpoint-seconds T] [--sessions end|refuse]\n"
    "        [--lockout-failures N] [--lockout-seconds S]\n"
    "        [--password-min-length N] [--password-classes N] [--password-history N]\n"
    "        [--password-expiry-days D] [--password-blocklist FILE]\n"
    "        [--allow-network ROLE=CIDR[,CIDR]]... [--allow-hours ROLE=HH-HH[@day-day]]...\n"
    "        [--separation-of-duties] [--require-mfa ROLE[,ROLE]]\n"
    "        [--client-ca FILE] [--require-client-cert ROLE[,ROLE]]\n"
    "        [--refuse-new-address] [--refuse-new-device]\n"
    "        [--place NAME=CIDR[,CIDR]]... [--travel-minutes N] [--checksheet FILE]\n"
    "        [--retention FILE] [--deletion-approval] [--rate-limit N] [--rate-burst N]\n"
    "        [--log-file FILE] [--data DIR] [--config FILE] [--max-connections N]\n"
    "        [--store-pool N]\n"
    "                                             run the daemon (starts sealed; --dev makes\n"
    "                                             and unseals a demo store); audit checkpoints\n"
    "                                             also every T s (60); a second login of an ID\n"
    "                                             ends the first (end, default) or is refused;\n"
    "                                             each network client gets N requests/s\n"
    "                                             (1000; 0: no limit), bursts of 2N, then 429;\n"
    "                                             at most --max-connections HTTPS connections\n"
    "                                             at once (512); on PostgreSQL, N more\n"
    "                                             connections check sessions beside the\n"
    "                                             writer's (4);\n"
    "                                             --config: the same settings as key = value\n"
    "                                             lines (docs/configuration.md); SIGHUP reopens\n"
    "                                             --log-file; SIGTERM answers what was accepted\n"
    "                                             and exits\n"
    "  status                                     seal state of the daemon\n"
    "  unseal                                     give one unseal share (asked without echo)\n"
    "  seal                                       wipe the keys from the daemon (sysadmin)\n"
    "\n"
    "Sessions and users:\n"
    "  login [USER]        log in (password asked without echo); the session token is\n"
    "                      kept in a 0600 file ($MNSAFE_SESSION or ~/.config/mnsafe/session)\n"
    "  logout | whoami | passwd\n"
    "  mfa enroll [--algorithm SHA1|SHA256|SHA512] [--digits 6|8]\n"
    "                      turn on two-factor login (TOTP app; prints recovery codes);\n"
    "                      SHA1 and 6 digits (the default) suit every app\n"
    "  user create NAME --role sysadmin|officer|clerk|auditor\n"
    "  user list\n"
    "  user assign NAME TENANT [--files employees,payees]\n"
    "                      assign to a tenant, limited to its SPI files (default: all)\n"
    "  user role NAME ROLE give another role (with separation of duties: a request)\n"
    "  user reset-password NAME   a new one-time password for another user (sysadmin)\n"
    "  user reset-mfa NAME        turn off a user's lost second factor (sysadmin; with\n"
    "                      separation of duties an officer); both end the user's sessions\n"
    "  user unassign NAME TENANT   revoke an assignment (officer, sysadmin)\n"
    "  access review       who can reach what, last login and act (officer, auditor)\n"
    "  access confirm HASH the officer confirms the review read (its report_sha256)\n"
    "  access policy       the installation's access settings (sysadmin, officer, auditor)\n"
    "  access requests [--before ID] [--limit N] | approve ID | reject ID   role and assignment\n"
    "                      requests, newest first, a page at a time (next_before), when the\n"
    "                      daemon runs with --separation-of-duties (another person decides:\n"
    "                      an officer for assignments, an officer or sysadmin for roles)\n"
    "  user unlock NAME    lift a lockout (5 failed logins lock a user, 20 from one\n"
    "                      network address lock the address, for 15 minutes)\n"
    "\n"
    "Registers (officers; clerks add take-outs; auditors read; never a number):\n"
    "  register list TENANT REGISTER [--format json|csv|csv-sjis|html] [--out FILE]\n"
    "        REGISTER: pledges, training, takeouts, ledger_reviews, contractors, entry_logs, inspections,\n"
    "        incidents (each with whether and by when it must be reported to the PPC)\n"
    "  register draft TENANT INCIDENT_ID [--final] [--out FILE]   the PPC report's nine headings\n"
    "  register import TENANT REGISTER FILE.csv   e.g. an IC-card system's entry log (UTF-8 or\n"
    "                                             Shift_JIS; every row checked, all or nothing)\n"
    "  register add TENANT REGISTER --FIELD VALUE...   e.g. takeouts --taken_at 2026-11-27T10:00\n"
    "        --by 山田 --taken_data 源泉徴収票 --purpose_recipient 税務署 --route 手渡し\n"
    "  register update TENANT REGISTER ID --FIELD VALUE...   e.g. --returned_at ... (null clears)\n"
    "  ledger TENANT [--format json|csv|csv-sjis|html] [--out FILE]   the ledger of SPI files,\n"
    "                                             computed from live state\n"
    "  usage TENANT [--file employees|payees] [--from D] [--to D] [--format F] [--out FILE]\n"
    "               [--before SEQ] [--limit N]   JSON comes a page at a time (next_before);\n"
    "               csv, csv-sjis and html hold the whole range\n"
    "                                             who used or output which\n"
    "                                             numbers, when, for what (from the audit log)\n"
    "  ledger review TENANT --note TEXT [--on DATE]   record the periodic review\n"
    "  tenant policy CODE --require-pledge-training on|off   no clerk without both on record\n"
    "  tenant policy CODE --export-approval on|off   exports with numbers need an officer's approval\n"
    "\n"
    "Backups (sysadmin):\n"
    "  backup                                     encrypted online backup into DATA/backups/\n"
    "  backup verify FILE                         restore test: checksum, integrity, audit chain,\n"
    "                                             sample decrypt (sysadmin, auditor)\n"
    "  restore FILE --to DIR                      into a new directory; persons deleted since stay\n"
    "                                             deleted; swap it in with the daemon stopped\n"
    "  store copy --to URL                        every row of this store (--data/--store) into an\n"
    "                                             empty one, e.g. SQLite or a restored backup into\n"
    "                                             PostgreSQL; the daemon stopped; numbers stay\n"
    "                                             encrypted, the audit chain verifies there\n"
    "\n"
    "Retention and disposal (officers; clerks record ends and read the due list):\n"
    "  retention rules                            the keeping periods and their legal basis\n"
    "  retention end TENANT ID --on DATE --reason retirement|contract_end|last_payment\n"
    "                                             end of need: computes when the number must go\n"
    "  retention cancel TENANT ID                 take the end back (e.g. rehired)\n"
    "  retention due TENANT [--as-of DATE]        the due list (legal and scheduled dates, holds)\n"
    "  retention delete TENANT [--as-of DATE]     crypto-shred everything due, as one act\n"
    "  retention hold|unhold TENANT ID [--reason TEXT]   a legal hold stops any deletion\n"
    "  retention rule TENANT --fy-end-month M --reason TEXT   delete after the fiscal year end\n"
    "  retention requests TENANT [--before ID] [--limit N] | approve TENANT ID | reject TENANT ID\n"
    "                                             clerks' deletions, with serve --deletion-approval\n"
    "  disposal list TENANT [--from D] [--to D] [--format html --out FILE]   the register;\n"
    "                                             html: the deletion certificate (削除・廃棄証明書)\n"
    "  disposal add TENANT --kind TEXT --on DATE --method shredder|incineration|dissolution|\n"
    "        physical_destruction|data_erasure_software|contractor[: details] [--contractor NAME]\n"
    "        [--certificate FILE] [--note TEXT] [--persons N]   paper and media destroyed by hand;\n"
    "                                             the certificate file is kept sealed\n"
    "  disposal certificate TENANT ENTRY_ID --out FILE\n"
    "\n"
    "The check sheet (JNSA's マイナンバーの安全管理措置チェックシート; officers assess,\n"
    "auditors read; items mnsafe can prove about itself are decided by probes):\n"
    "  checksheet show | counts | probes\n"
    "  checksheet assess TENANT --title TITLE      start an assessment (probes run now)\n"
    "  checksheet list TENANT | get ID\n"
    "  checksheet set ID ITEM --status satisfied|not_satisfied|partly|not_applicable|not_assessed\n"
    "        [--parts PART,...] (the check boxes ticked)\n"
    "        [--reason R] [--evidence-note N] [--evidence-link L] [--evidence-expires YYYY-MM-DD]\n"
    "        [--owner O] [--due YYYY-MM-DD]\n"
    "  checksheet report|export ID [--format json|csv|csv-en|html|html-en|xccdf|oscal-results|oscal-poam]\n"
    "        [--out FILE]                          an assessment's report (CSV with BOM for Excel)\n"
    "  checksheet export [--format xccdf|oscal-catalog] [--out FILE]   the sheet alone\n"
    "  checksheet evidence ID ITEM FILE [--type MIME]   attach a file (kept encrypted, SHA-256 recorded)\n"
    "  checksheet evidence-get EVIDENCE_ID --out FILE\n"
    "  checksheet trend TENANT                    scores of the tenant's assessments over time\n"
    "\n"
    "Tenants and numbers (clerks; numbers are read from stdin or asked, never taken\n"
    "from the command line, so they stay out of shell history and ps):\n"
    "  tenant create CODE NAME [--corporate-number N]\n"
    "  tenant list\n"
    "  tenant policy CODE [--require-mfa on|off] [--allow-networks CIDR,...|none]\n"
    "                [--allow-hours HH-HH[@day-day]|none]\n"
    "                      the tenant's own rules (sysadmin, assigned officer); no option: show\n"
    "  purposes TENANT\n"
    "  person add TENANT --name NAME --purpose P[,P...] [--kind employee|payee]\n"
    "                    [--employee-code C]      (the number is asked for)\n"
    "  person import TENANT FILE.json             a JSON array of persons, all or nothing\n"
    "  import [--tenant T] FILE.csv [--encoding auto|utf-8|shift_jis] [--purpose P,..]\n"
    "         [--kind employee|payee] [--map HEADER=FIELD]... [--check-only|--store|--store-valid]\n"
    "                      CSV as Excel writes it (UTF-8, BOM or not, or Shift_JIS); Japanese\n"
    "                      headers (氏名 フリガナ 個人番号 生年月日 従業員番号 続柄 利用目的)\n"
    "                      recognised; every row checked first, a per-row report, nothing\n"
    "                      stored until you choose (interactive question, --store, --store-valid)\n"
    "  import list TENANT [--before ID] [--limit N] | status|store|discard TENANT ID [--valid-only]\n"
    "  export TENANT --recipient TEXT --route TEXT [--purpose P] [--persons ID,..] [--kind K]\n"
    "         [--fields employee_code,name,name_kana,birth_date,kind,mynumber,dependents]\n"
    "         [--encoding utf-8|shift_jis|jis0208] [--replace]\n"
    "         (--age-recipient age1... | --zip | --masked) [--out FILE]\n"
    "                      CSV for payroll and filing software; with numbers always encrypted\n"
    "                      (age, or AES-256 zip with a password shown once); writes the take-out\n"
    "                      register entry\n"
    "  export request TENANT ...the same... [--reason TEXT]   with tenant policy --export-approval on\n"
    "  export requests TENANT | approve|reject TENANT ID (officer) | TENANT --request ID | list TENANT\n"
    "         (requests and list: [--before ID] [--limit N], newest first, a page at a time)\n"
    "  person list TENANT [--after ID] [--limit N] [--kind employee|payee] [--name PART]\n"
    "  person show TENANT ID                      one person with dependents (numbers masked)\n"
    "  person add-dependent TENANT ID --name N --relationship R [--kana K] [--birth-date D]\n"
    "                                             (the number is asked for)\n"
    "  person remove-dependent TENANT ID DEPENDENT_ID [--reason TEXT]   no longer a dependent\n"
    "  person find TENANT                         (the number is asked for)\n"
    "  person reveal TENANT ID --purpose P\n"
    "  person delete TENANT ID [--reason TEXT]    crypto-shred the person\n"
    "\n"
    "API:\n"
    "  api-routes          every route of the HTTPS API (METHOD PATH); described in docs/openapi.json\n"
    "\n"
    "Program tokens (for payroll software and scripts; from a login session):\n"
    "  token create NAME [--days N]               a bearer token (mnt_...) shown once; 1-365 days\n"
    "                                             (90); same role and rules as you; no idle\n"
    "                                             timeout; a password change revokes them all\n"
    "  token list | token revoke ID\n"
    "\n"
    "Audit and checks:\n"
    "  audit verify        check the audit chain and checkpoints offline (uses --data;\n"
    "                      exit 0 intact, 1 broken, 2 cannot check)\n"
    "  audit list [--after SEQ] [--limit N]\n"
    "  check-number VALUE... | -   validate My Numbers / Corporate Numbers; prints\n"
    "                      VALUE<TAB>ok or VALUE<TAB>error: <reason>; exit 0 if all ok\n"
    "\n"
    "Environment: MNSAFE_DATA (data directory, default " DEFAULT_DATA_DIR "),\n"
    "MNSAFE_STORE (as --store), MNSAFE_SOCKET (daemon socket, default DATA/mnsafe.sock),\n"
    "MNSAFE_SESSION.\n";

static void usage(FILE *f)
{
    fputs(usage_text, f);
}

/* ---- helpers -------------------------------------------------------------- */

static void print_json_to(FILE *f, json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    if (s != NULL) {
        fputs(s, f);
        fputc('\n', f);
        mns_wipe(s, strlen(s));
        free(s);
    }
}

static void print_json(json_t *j)
{
    print_json_to(stdout, j);
}


/* Prints the API error of a failed call; returns 1. */
static int print_api_error(int status, json_t *resp, const char *err)
{
    if (status < 0) {
        fprintf(stderr, "mnsafe: %s\n", err);
        return 1;
    }
    json_t *e = json_object_get(resp, "error");
    const char *field = json_string_value(json_object_get(e, "field"));
    fprintf(stderr, "mnsafe: error (%d %s): %s%s%s\n", status, json_string_value(json_object_get(e, "code")) ?: "?",
            field ? field : "", field ? ": " : "", json_string_value(json_object_get(e, "message")) ?: "");
    if (json_string_value(json_object_get(e, "message_ja")) != NULL)
        fprintf(stderr, "mnsafe: エラー: %s%s%s\n", field ? field : "", field ? ": " : "",
                json_string_value(json_object_get(e, "message_ja")));
    return 1;
}

static int load_token(const struct cli *c, char *token, size_t size)
{
    FILE *f = fopen(c->session_file, "re");
    if (f == NULL)
        return -1;
    char *ok = fgets(token, (int)size, f);
    fclose(f);
    if (ok == NULL)
        return -1;
    token[strcspn(token, "\r\n")] = '\0';
    return 0;
}

static int save_token(const struct cli *c, const char *token)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", c->session_file);
    /* make the missing folders (~/.config, ~/.config/mnsafe) owner-only;
     * existing ones are left as they are */
    for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    int fd = open(c->session_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) != 0) {
        close(fd);
        return -1;
    }
    size_t n = strlen(token);
    int rc = (write(fd, token, n) == (ssize_t)n && write(fd, "\n", 1) == 1) ? 0 : -1;
    return close(fd) == 0 ? rc : -1;
}

/* Calls the API with the saved session; prints the result or the error. */
static int call(const struct cli *c, const char *method, const char *path, json_t *body, json_t **keep)
{
    char token[128] = "", err[512];
    json_t *resp = NULL;
    bool have = load_token(c, token, sizeof(token)) == 0;
    int status = client_call(c, method, path, have ? token : NULL, body, &resp, err, sizeof(err));
    mns_wipe(token, sizeof(token));
    json_decref(body);
    if (status < 200 || status >= 300) {
        int rc = print_api_error(status, resp, err);
        if (status == 401)
            fprintf(stderr, "mnsafe: run `mnsafe login` first / 先に mnsafe login を実行してください\n");
        json_decref(resp);
        return rc;
    }
    if (keep != NULL)
        *keep = resp;
    else {
        print_json(resp);
        json_decref(resp);
    }
    return 0;
}

/* pre + seg + post + extra; seg (a tenant code or user name, [a-z0-9._-]) must
 * need no escaping and extra is appended as is. */
static int path_seg(char *buf, size_t size, const char *pre, const char *seg, const char *post, const char *extra)
{
    for (const char *p = seg; *p; p++)
        if (*p == '/' || *p == '?' || *p == '%' || *p == '#' || (unsigned char)*p <= ' ')
            return -1;
    int n = snprintf(buf, size, "%s%s%s%s", pre, seg, post, extra ? extra : "");
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

static int ask_number(char *out, size_t size)
{
    long n = read_secret("My Number (個人番号, hidden): ", out, size);
    if (n <= 0) {
        fprintf(stderr, "mnsafe: no number given / 番号が入力されていません\n");
        return -1;
    }
    return 0;
}

/* ---- verbs ---------------------------------------------------------------- */

static int cmd_init(const struct cli *c, int argc, char **argv)
{
    unsigned shares = 5, threshold = 3;
    bool dev = false;
    static const struct option opts[] = {{"shares", required_argument, NULL, 'n'},
                                         {"threshold", required_argument, NULL, 'k'},
                                         {"dev", no_argument, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'n': shares = (unsigned)strtoul(optarg, &end, 10); if (*end) return 2; break;
        case 'k': threshold = (unsigned)strtoul(optarg, &end, 10); if (*end) return 2; break;
        case 'd': dev = true; break;
        default: return 2;
        }
    }
    struct mns_vault_config cfg = {.data_dir = c->data_dir, .store_url = c->store_url};
    struct mns_vault_init_result *res = mns_secure_alloc(sizeof(*res));
    mns_errmsg em = {""};
    if (res == NULL)
        return 1;
    mns_err err = mns_vault_create(&cfg, shares, threshold, dev, res, &em);
    if (err != MNS_OK) {
        fprintf(stderr, "mnsafe: init failed: %s\n", em.text[0] ? em.text : mns_strerror(err));
        mns_secure_free(res, sizeof(*res));
        return 1;
    }
    char tls_dir[1024], cert[1100], key[1100], terr[256];
    snprintf(tls_dir, sizeof(tls_dir), "%s/tls", c->data_dir);
    snprintf(cert, sizeof(cert), "%s/cert.pem", tls_dir);
    snprintf(key, sizeof(key), "%s/key.pem", tls_dir);
    if ((mkdir(tls_dir, 0700) != 0 && errno != EEXIST) || tls_make_self_signed(cert, key, terr, sizeof(terr)) != 0)
        fprintf(stderr, "mnsafe: warning: no self-signed certificate made (%s); configure one with --cert/--key\n",
                terr);
    printf("Store created in %s / ストアを作成しました\n\n", c->data_dir);
    if (dev) {
        printf("DEV MODE: the root key is in %s/%s. Anyone with that file can read every number.\n"
               "Use this for demos and tests only. / 開発モード：デモ・テスト専用です。\n\n",
               c->data_dir, MNS_DEV_KEY_FILE);
    } else {
        printf("Unseal shares (%u needed of %u). Give each to a different person and keep them apart;\n"
               "they are shown once. / アンシール用シェア（%u/%u）。別々の人に渡し、別々に保管してください。\n\n",
               res->threshold, res->nshares, res->threshold, res->nshares);
        for (unsigned i = 0; i < res->nshares; i++) {
            char text[MNS_SHARE_TEXT_MAX];
            mns_share_format(text, &res->shares[i]);
            printf("Share %u: %s\n", i + 1, text);
            mns_wipe(text, sizeof(text));
        }
        printf("\n");
    }
    printf("First sysadmin: %s\nOne-time password: %s\n(change it with `mnsafe passwd` after the first login)\n",
           res->admin_name, res->admin_password);
    fflush(stdout);
    mns_secure_free(res, sizeof(*res));
    return 0;
}

static int cmd_unseal(const struct cli *c)
{
    /* room for a share typed full-width by an input method (3 bytes a character) */
    char share[4 * MNS_SHARE_TEXT_MAX * 3], err[512];
    json_t *resp = NULL;
    long n = read_secret("Unseal share (hidden) / シェアを入力: ", share, sizeof(share));
    if (n <= 0) {
        fprintf(stderr, n == -2 ? "mnsafe: the share is too long / シェアが長すぎます\n"
                                : "mnsafe: no share given / シェアが入力されていません\n");
        mns_wipe(share, sizeof(share));
        return 1;
    }
    json_t *body = json_pack("{s:s}", "share", share);
    mns_wipe(share, sizeof(share));
    int status = client_call(c, "POST", API_PREFIX "/sys/unseal", NULL, body, &resp, err, sizeof(err));
    json_decref(body);
    if (status != 200) {
        int rc = print_api_error(status, resp, err);
        json_decref(resp);
        return rc;
    }
    if (json_is_true(json_object_get(resp, "sealed")))
        printf("Sealed: %lld of %lld shares given / 封印中：%lld/%lld\n",
               (long long)json_integer_value(json_object_get(resp, "shares_given")),
               (long long)json_integer_value(json_object_get(resp, "threshold")),
               (long long)json_integer_value(json_object_get(resp, "shares_given")),
               (long long)json_integer_value(json_object_get(resp, "threshold")));
    else
        printf("Unsealed / アンシールしました\n");
    json_decref(resp);
    return 0;
}

static int cmd_login(const struct cli *c, int argc, char **argv)
{
    char user[128], password[MNS_PASSWORD_MAX + 2], err[512];
    json_t *resp = NULL;
    if (argc >= 2)
        snprintf(user, sizeof(user), "%s", argv[1]);
    else if (read_line("User / ユーザー名: ", user, sizeof(user)) <= 0)
        return 1;
    if (read_secret("Password / パスワード: ", password, sizeof(password)) < 0)
        return 1;
    json_t *body = json_pack("{s:s, s:s}", "user", user, "password", password);
    int status = client_call(c, "POST", API_PREFIX "/sessions", NULL, body, &resp, err, sizeof(err));
    const char *code = json_string_value(json_object_get(json_object_get(resp, "error"), "code"));
    if (status == 401 && code != NULL && strcmp(code, "mfa") == 0) {
        /* the password was right; the second factor is asked for */
        char otp[64];
        json_decref(resp);
        resp = NULL;
        if (read_secret("One-time code (or a recovery code) / ワンタイムコード: ", otp, sizeof(otp)) <= 0) {
            json_decref(body);
            mns_wipe(password, sizeof(password));
            return 1;
        }
        json_object_set_new(body, "otp", json_string(otp));
        mns_wipe(otp, sizeof(otp));
        status = client_call(c, "POST", API_PREFIX "/sessions", NULL, body, &resp, err, sizeof(err));
    }
    mns_wipe(password, sizeof(password));
    json_decref(body);
    if (status != 201) {
        int rc = print_api_error(status, resp, err);
        json_decref(resp);
        return rc;
    }
    const char *token = json_string_value(json_object_get(resp, "token"));
    if (token == NULL || save_token(c, token) != 0) {
        fprintf(stderr, "mnsafe: cannot save the session in %s\n", c->session_file);
        json_decref(resp);
        return 1;
    }
    printf("Logged in as %s (%s) / ログインしました\n", json_string_value(json_object_get(resp, "user")),
           json_string_value(json_object_get(resp, "role")));
    if (json_is_true(json_object_get(resp, "must_change_password")))
        printf("This is a one-time password: change it now with `mnsafe passwd` (nothing else is allowed until then) /\n"
               "初期パスワードです。mnsafe passwd で変更してください（変更するまで他の操作はできません）\n");
    json_decref(resp);
    return 0;
}

static int cmd_logout(const struct cli *c)
{
    json_t *resp = NULL;
    int rc = call(c, "DELETE", API_PREFIX "/sessions/current", NULL, &resp);
    json_decref(resp);
    unlink(c->session_file);
    if (rc == 0)
        printf("Logged out / ログアウトしました\n");
    return rc;
}

static int cmd_passwd(const struct cli *c)
{
    char oldp[MNS_PASSWORD_MAX + 2], newp[MNS_PASSWORD_MAX + 2], again[MNS_PASSWORD_MAX + 2];
    if (read_secret("Current password / 現在のパスワード: ", oldp, sizeof(oldp)) < 0 ||
        read_secret("New password / 新しいパスワード: ", newp, sizeof(newp)) < 0 ||
        read_secret("Again / もう一度: ", again, sizeof(again)) < 0)
        return 1;
    if (strcmp(newp, again) != 0) {
        fprintf(stderr, "mnsafe: the new passwords differ / 新しいパスワードが一致しません\n");
        return 1;
    }
    json_t *body = json_pack("{s:s, s:s}", "old_password", oldp, "new_password", newp);
    mns_wipe(oldp, sizeof(oldp));
    mns_wipe(newp, sizeof(newp));
    mns_wipe(again, sizeof(again));
    json_t *resp = NULL;
    int rc = call(c, "POST", API_PREFIX "/users/me/password", body, &resp);
    json_decref(resp);
    if (rc == 0) {
        /* the change ended every session of the user, this one too */
        unlink(c->session_file);
        printf("Password changed; log in again / パスワードを変更しました。再度ログインしてください\n");
    }
    return rc;
}

/* Two-factor enrolment: shows the otpauth URI and its QR code, asks for a
 * current code, prints the recovery codes. */
static const char *opt_value(int argc, char **argv, int from, const char *name);

/* program tokens: mnsafe token create NAME [--days N] | list | revoke ID */
static int cmd_token(const struct cli *c, int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "create") == 0) {
        const char *days = opt_value(argc, argv, 3, "--days");
        json_t *b = json_pack("{s:s}", "name", argv[2]);
        if (days != NULL)
            json_object_set_new(b, "days", json_integer(strtol(days, NULL, 10)));
        return call(c, "POST", API_PREFIX "/users/me/tokens", b, NULL);
    }
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return call(c, "GET", API_PREFIX "/users/me/tokens", NULL, NULL);
    if (argc == 3 && strcmp(argv[1], "revoke") == 0 && strspn(argv[2], "0123456789") == strlen(argv[2])) {
        char path[128];
        snprintf(path, sizeof(path), API_PREFIX "/users/me/tokens/%s", argv[2]);
        return call(c, "DELETE", path, NULL, NULL);
    }
    fprintf(stderr, "usage: mnsafe token create NAME [--days N] | token list | token revoke ID\n");
    return 2;
}

static int cmd_mfa(const struct cli *c, int argc, char **argv)
{
    json_t *resp = NULL;
    if (argc < 2 || strcmp(argv[1], "enroll") != 0 || (argc != 2 && argc != 4 && argc != 6)) {
        fprintf(stderr, "usage: mnsafe mfa enroll [--algorithm SHA1|SHA256|SHA512] [--digits 6|8]\n");
        return 2;
    }
    json_t *body = json_object();
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--algorithm") == 0) {
            json_object_set_new(body, "algorithm", json_string(argv[i + 1]));
        } else if (strcmp(argv[i], "--digits") == 0) {
            json_object_set_new(body, "digits", json_integer(strtol(argv[i + 1], NULL, 10)));
        } else {
            json_decref(body);
            fprintf(stderr, "usage: mnsafe mfa enroll [--algorithm SHA1|SHA256|SHA512] [--digits 6|8]\n");
            return 2;
        }
    }
    if (call(c, "POST", API_PREFIX "/users/me/totp", body, &resp) != 0)
        return 1;
    const char *uri = json_string_value(json_object_get(resp, "uri"));
    printf("Add this to your authenticator app / 認証アプリに登録してください:\n%s\n", uri ? uri : "");
    fflush(stdout);
    if (uri != NULL && qr_print_text(stdout, uri) != 0)
        fprintf(stderr, "mnsafe: cannot draw the QR code; enter the URI's secret by hand\n");
    json_decref(resp);
    char code[64];
    if (read_line("Code shown by the app / アプリのコード: ", code, sizeof(code)) <= 0)
        return 1;
    resp = NULL;
    if (call(c, "POST", API_PREFIX "/users/me/totp/confirm", json_pack("{s:s}", "code", code), &resp) != 0)
        return 1;
    printf("Two-factor login is on. Recovery codes (each works once; keep them apart from the device) /\n"
           "二要素認証を設定しました。リカバリーコード（各1回のみ有効）:\n");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(resp, "recovery_codes"), i, e) printf("  %s\n", json_string_value(e));
    json_decref(resp);
    return 0;
}

/* `access review` prints the report; `access confirm` confirms the report
 * as it stands now (the officer has just read it). */
static int cmd_access(const struct cli *c, int argc, char **argv)
{
    char path[128];
    if (argc >= 2 && strcmp(argv[1], "requests") == 0) {
        char q[64];
        if (cli_page_query(argc, argv, 2, '?', q, sizeof(q)) != 0)
            return 2;
        snprintf(path, sizeof(path), API_PREFIX "/grant-requests%s", q);
        return call(c, "GET", path, NULL, NULL);
    }
    if (argc >= 3 && (strcmp(argv[1], "approve") == 0 || strcmp(argv[1], "reject") == 0)) {
        for (const char *p = argv[2]; *p; p++)
            if (*p < '0' || *p > '9')
                return 2;
        snprintf(path, sizeof(path), API_PREFIX "/grant-requests/%.20s/%s", argv[2], argv[1]);
        return call(c, "POST", path, NULL, NULL);
    }
    if (argc >= 2 && strcmp(argv[1], "policy") == 0)
        return call(c, "GET", API_PREFIX "/access-policy", NULL, NULL);
    if (argc >= 2 && strcmp(argv[1], "review") == 0)
        return call(c, "GET", API_PREFIX "/access-review", NULL, NULL);
    if (argc >= 3 && strcmp(argv[1], "confirm") == 0)
        return call(c, "POST", API_PREFIX "/access-review/confirm", json_pack("{s:s}", "report_sha256", argv[2]), NULL);
    fprintf(stderr, "usage: mnsafe access review | confirm HASH | policy | requests | approve ID | reject ID\n");
    return 2;
}

static const char *opt_value(int argc, char **argv, int from, const char *name)
{
    for (int i = from; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static json_t *split_list(const char *csv)
{
    json_t *a = json_array();
    char buf[512];
    char *save = NULL;
    snprintf(buf, sizeof(buf), "%s", csv);
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(t));
    return a;
}

/* for the other CLI files (transfer.c): see cli.h */
int cli_call(const struct cli *c, const char *method, const char *path, json_t *body, json_t **keep)
{
    return call(c, method, path, body, keep);
}

int cli_path(char *buf, size_t size, const char *pre, const char *seg, const char *post, const char *extra)
{
    return path_seg(buf, size, pre, seg, post, extra);
}

const char *cli_opt(int argc, char **argv, int from, const char *name)
{
    return opt_value(argc, argv, from, name);
}

int cli_page_query(int argc, char **argv, int from, char sep, char *out, size_t size)
{
    const char *before = opt_value(argc, argv, from, "--before"), *limit = opt_value(argc, argv, from, "--limit");
    out[0] = '\0';
    for (const char *v = before; v != NULL && *v; v++)
        if (*v < '0' || *v > '9' || strlen(before) > 19)
            return -1;
    for (const char *v = limit; v != NULL && *v; v++)
        if (*v < '0' || *v > '9' || strlen(limit) > 9)
            return -1;
    if ((before != NULL && before[0] == '\0') || (limit != NULL && limit[0] == '\0'))
        return -1;
    if (before == NULL && limit == NULL)
        return 0;
    int n = snprintf(out, size, "%cbefore=%s&limit=%s", sep, before ? before : "0", limit ? limit : "100");
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

json_t *cli_split_list(const char *list)
{
    return split_list(list);
}

int cli_token(const struct cli *c, char *token, size_t size)
{
    return load_token(c, token, size);
}

int cli_api_error(int status, json_t *resp, const char *err)
{
    if (status == 401)
        fprintf(stderr, "mnsafe: run `mnsafe login` first / 先に mnsafe login を実行してください\n");
    return print_api_error(status, resp, err);
}

void cli_print_json(json_t *j)
{
    print_json(j);
}

static int cmd_user(const struct cli *c, int argc, char **argv)
{
    char path[512];
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return call(c, "GET", API_PREFIX "/users", NULL, NULL);
    if (argc >= 3 && strcmp(argv[1], "create") == 0) {
        const char *role = NULL;
        for (int i = 3; i + 1 < argc; i++)
            if (strcmp(argv[i], "--role") == 0)
                role = argv[i + 1];
        if (role == NULL) {
            fprintf(stderr, "usage: mnsafe user create NAME --role sysadmin|officer|clerk|auditor\n");
            return 2;
        }
        return call(c, "POST", API_PREFIX "/users", json_pack("{s:s, s:s}", "name", argv[2], "role", role), NULL);
    }
    if (argc == 4 && strcmp(argv[1], "unassign") == 0) {
        char tail[128];
        snprintf(tail, sizeof(tail), "/assignments/%s", argv[3]);
        if (strchr(argv[3], '/') != NULL || path_seg(path, sizeof(path), API_PREFIX "/users/", argv[2], tail, NULL) != 0)
            return 2;
        return call(c, "DELETE", path, NULL, NULL);
    }
    if (argc == 3 && strcmp(argv[1], "unlock") == 0) {
        if (path_seg(path, sizeof(path), API_PREFIX "/users/", argv[2], "/unlock", NULL) != 0)
            return 2;
        return call(c, "POST", path, NULL, NULL);
    }
    if ((argc == 4 || argc == 6) && strcmp(argv[1], "assign") == 0) {
        const char *files = opt_value(argc, argv, 4, "--files");
        if (path_seg(path, sizeof(path), API_PREFIX "/users/", argv[2], "/assignments", NULL) != 0 ||
            (argc == 6 && files == NULL))
            return 2;
        json_t *body = json_pack("{s:s}", "tenant", argv[3]);
        if (files != NULL)
            json_object_set_new(body, "files", split_list(files));
        return call(c, "POST", path, body, NULL);
    }
    if (argc == 3 && (strcmp(argv[1], "reset-password") == 0 || strcmp(argv[1], "reset-mfa") == 0)) {
        bool pw = strcmp(argv[1], "reset-password") == 0;
        if (path_seg(path, sizeof(path), API_PREFIX "/users/", argv[2], pw ? "/password-reset" : "/mfa-reset", NULL) != 0)
            return 2;
        return call(c, "POST", path, NULL, NULL);
    }
    if (argc == 4 && strcmp(argv[1], "role") == 0) {
        if (path_seg(path, sizeof(path), API_PREFIX "/users/", argv[2], "/role", NULL) != 0)
            return 2;
        return call(c, "PUT", path, json_pack("{s:s}", "role", argv[3]), NULL);
    }
    fprintf(stderr, "usage: mnsafe user create NAME --role ROLE | user list | user assign NAME TENANT [--files F,...] |\n"
                    "       user role NAME ROLE | user unassign NAME TENANT | user unlock NAME |\n"
                    "       user reset-password NAME | user reset-mfa NAME\n");
    return 2;
}

/* GET path; the answer (text, or JSON pretty-printed) to the file out, or stdout */
static int get_to_file(const struct cli *c, const char *path, const char *out)
{
    json_t *resp = NULL;
    if (call(c, "GET", path, NULL, &resp) != 0)
        return 1;
    FILE *f = out != NULL ? fopen(out, "wb") : stdout;
    if (f == NULL) {
        fprintf(stderr, "mnsafe: cannot write %s / 書き込めません\n", out);
        json_decref(resp);
        return 1;
    }
    if (json_is_string(resp))
        fwrite(json_string_value(resp), 1, json_string_length(resp), f);
    else
        print_json_to(f, resp);
    int rc = out != NULL && fclose(f) != 0;
    json_decref(resp);
    return rc;
}

/* {"filename","content_type","content_base64"} of a file of at most 8 MiB;
 * the type from the extension unless given. NULL (said why) on failure. */
static json_t *file_upload(const char *file, const char *type)
{
    if (type == NULL) {
        const char *dot = strrchr(file, '.');
        type = dot == NULL                                           ? "application/octet-stream"
               : strcmp(dot, ".pdf") == 0                            ? "application/pdf"
               : strcmp(dot, ".png") == 0                            ? "image/png"
               : strcmp(dot, ".jpg") == 0 || strcmp(dot, ".jpeg") == 0 ? "image/jpeg"
               : strcmp(dot, ".csv") == 0                            ? "text/csv"
               : strcmp(dot, ".zip") == 0                            ? "application/zip"
                                                                     : "text/plain";
    }
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "mnsafe: cannot read %s / 読めません\n", file);
        return NULL;
    }
    uint8_t *data = malloc(8u * 1024 * 1024 + 1);
    size_t len = data != NULL ? fread(data, 1, 8u * 1024 * 1024 + 1, f) : 0;
    fclose(f);
    char *b64 = data != NULL ? malloc(4 * ((len + 2) / 3) + 1) : NULL;
    if (b64 == NULL) {
        free(data);
        return NULL;
    }
    mns_base64_encode(b64, data, len);
    free(data);
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    json_t *j = json_pack("{s:s, s:s, s:s}", "filename", base, "content_type", type, "content_base64", b64);
    free(b64);
    return j;
}

/* GET PATH answering {"content_base64",...}: the content written to out */
static int download(const struct cli *c, const char *path, const char *out)
{
    json_t *resp = NULL;
    if (call(c, "GET", path, NULL, &resp) != 0)
        return 1;
    const char *b64 = json_string_value(json_object_get(resp, "content_base64"));
    size_t n = b64 != NULL ? strlen(b64) : 0, len = 0;
    uint8_t *data = malloc(n / 4 * 3 + 3);
    int rc = 1;
    FILE *f = NULL;
    if (data != NULL && mns_base64_decode(data, n / 4 * 3 + 3, &len, b64 != NULL ? b64 : "", n) == MNS_OK &&
        (f = fopen(out, "wb")) != NULL) {
        rc = fwrite(data, 1, len, f) == len ? 0 : 1;
        rc |= fclose(f) != 0;
        printf("%s (%zu bytes, sha256 %s)\n", out, len, json_string_value(json_object_get(resp, "sha256")));
    }
    free(data);
    json_decref(resp);
    return rc;
}

/* register list|add|update; ledger [review] */
static int cmd_register(const struct cli *c, int argc, char **argv, bool ledger)
{
    char path[512], tail[160];
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "usage") == 0 && argc >= 3) {
        const char *file = opt_value(argc, argv, 3, "--file"), *from = opt_value(argc, argv, 3, "--from");
        const char *to = opt_value(argc, argv, 3, "--to");
        if ((file && strspn(file, "abcdefghijklmnopqrstuvwxyz") != strlen(file)) ||
            (from && strspn(from, "0123456789-") != strlen(from)) || (to && strspn(to, "0123456789-") != strlen(to)))
            return 2;
        const char *format = opt_value(argc, argv, 3, "--format"), *out = opt_value(argc, argv, 3, "--out");
        if (format != NULL && strspn(format, "abcdefghijklmnopqrstuvwxyz-") != strlen(format))
            return 2;
        char q[64];
        if (cli_page_query(argc, argv, 3, '&', q, sizeof(q)) != 0)
            return 2;
        snprintf(tail, sizeof(tail), "/usage?format=%s%s%s%s%s%s%s", format ? format : "json", file ? "&file=" : "",
                 file ? file : "", from ? "&from=" : "", from ? from : "", to ? "&to=" : "", to ? to : "");
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, q) != 0)
            return 2;
        return get_to_file(c, path, out);
    }
    if (ledger) {
        if (argc >= 2 && strcmp(argv[1], "review") != 0) {
            const char *format = opt_value(argc, argv, 2, "--format"), *out = opt_value(argc, argv, 2, "--out");
            if (format != NULL && strspn(format, "abcdefghijklmnopqrstuvwxyz-") != strlen(format))
                return 2;
            snprintf(tail, sizeof(tail), "/ledger?format=%s", format ? format : "json");
            if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[1], tail, NULL) != 0)
                return 2;
            return get_to_file(c, path, out);
        }
        if (argc >= 5 && strcmp(argv[1], "review") == 0 && opt_value(argc, argv, 3, "--note") != NULL &&
            path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/registers/ledger_reviews", NULL) == 0) {
            char today[11];
            mns_date_format(mns_date_today(), today);
            const char *on = opt_value(argc, argv, 3, "--on");
            return call(c, "POST", path,
                        json_pack("{s:s, s:s}", "reviewed_on", on ? on : today, "note", opt_value(argc, argv, 3, "--note")),
                        NULL);
        }
        fprintf(stderr, "usage: mnsafe ledger TENANT [--format json|csv|csv-sjis|html] [--out FILE]\n"
                        "       mnsafe ledger review TENANT --note TEXT [--on YYYY-MM-DD]\n");
        return 2;
    }
    if (strcmp(verb, "draft") == 0 && argc >= 4 && strspn(argv[3], "0123456789") == strlen(argv[3])) {
        bool final = false;
        const char *out = NULL;
        for (int i = 4; i < argc; i++) {
            if (strcmp(argv[i], "--final") == 0)
                final = true;
            else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
                out = argv[++i];
            else
                return 2;
        }
        snprintf(tail, sizeof(tail), "/registers/incidents/%s/draft?format=%s", argv[3], final ? "final" : "preliminary");
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        return get_to_file(c, path, out);
    }
    if (strcmp(verb, "import") == 0 && argc == 5 && strchr(argv[3], '/') == NULL) {
        json_t *file = file_upload(argv[4], "text/csv");
        if (file == NULL)
            return 1;
        json_t *body = json_pack("{s:O}", "csv_base64", json_object_get(file, "content_base64"));
        json_decref(file);
        snprintf(tail, sizeof(tail), "/registers/%s/import", argv[3]);
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0) {
            json_decref(body);
            return 2;
        }
        return call(c, "POST", path, body, NULL);
    }
    bool update = strcmp(verb, "update") == 0;
    if (strcmp(verb, "list") == 0 && argc >= 4) {
        const char *format = opt_value(argc, argv, 4, "--format"), *out = opt_value(argc, argv, 4, "--out");
        if (format != NULL && strspn(format, "abcdefghijklmnopqrstuvwxyz-") != strlen(format))
            return 2;
        snprintf(tail, sizeof(tail), "/registers/%s?format=%s", argv[3], format ? format : "json");
        if (strchr(argv[3], '/') || strchr(argv[3], '?') ||
            path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        return get_to_file(c, path, out);
    }
    if ((strcmp(verb, "add") == 0 && argc >= 4) || (update && argc >= 5 && strspn(argv[4], "0123456789") == strlen(argv[4]))) {
        int from = update ? 5 : 4;
        if (strchr(argv[3], '/') != NULL || strchr(argv[3], '?') != NULL)
            return 2;
        if (update)
            snprintf(tail, sizeof(tail), "/registers/%s/%s", argv[3], argv[4]);
        else
            snprintf(tail, sizeof(tail), "/registers/%s", argv[3]);
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        /* --FIELD VALUE pairs; the value "null" clears an optional field */
        json_t *body = json_object();
        for (int i = from; i < argc; i += 2) {
            if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
                json_decref(body);
                fprintf(stderr, "mnsafe: register: --FIELD VALUE pairs expected\n");
                return 2;
            }
            json_object_set_new(body, argv[i] + 2, strcmp(argv[i + 1], "null") == 0 ? json_null() : json_string(argv[i + 1]));
        }
        return call(c, update ? "PUT" : "POST", path, body, NULL);
    }
    fprintf(stderr, "usage: mnsafe register list TENANT REGISTER [--format json|csv|csv-sjis|html] [--out FILE]\n"
                    "       mnsafe register add TENANT REGISTER --FIELD VALUE...\n"
                    "       mnsafe register update TENANT REGISTER ID --FIELD VALUE...   (null clears)\n"
                    "       mnsafe register draft TENANT INCIDENT_ID [--final] [--out FILE]   the PPC report\n"
                    "       mnsafe register import TENANT REGISTER FILE.csv   (UTF-8 or Shift_JIS; all or nothing)\n"
                    "  REGISTER: pledges, training, takeouts, ledger_reviews, contractors, entry_logs,\n"
                    "            inspections, incidents (list shows the fields)\n");
    return 2;
}

/* backup [verify FILE]; restore FILE --to DIR (files are the daemon's: absolute paths) */
static int cmd_backup(const struct cli *c, int argc, char **argv, bool restore)
{
    char abs[4096];
    if (!restore && argc == 1)
        return call(c, "POST", API_PREFIX "/sys/backup", NULL, NULL);
    const char *file = restore ? (argc == 4 && strcmp(argv[2], "--to") == 0 ? argv[1] : NULL)
                               : (argc == 3 && strcmp(argv[1], "verify") == 0 ? argv[2] : NULL);
    if (file == NULL) {
        fprintf(stderr, "usage: mnsafe backup            make an encrypted backup in DATA/backups/\n"
                        "       mnsafe backup verify FILE   the restore test (nothing written in clear)\n"
                        "       mnsafe restore FILE --to DIR   restore into a new directory, deleted persons\n"
                        "                                      staying deleted (swap it in with the daemon stopped)\n");
        return 2;
    }
    if (realpath(file, abs) == NULL) {
        fprintf(stderr, "mnsafe: %s: %s / ファイルが見つかりません\n", file, strerror(errno));
        return 1;
    }
    json_t *body = json_pack("{s:s}", "path", abs);
    if (restore) {
        const char *to = argv[3];
        char dir[4096];
        /* the target does not exist yet: its parent must */
        if (to[0] != '/' && getcwd(dir, sizeof(dir)) != NULL && strlen(dir) + strlen(to) + 2 < sizeof(dir)) {
            size_t n = strlen(dir);
            snprintf(dir + n, sizeof(dir) - n, "/%s", to);
            to = dir;
        }
        json_object_set_new(body, "to", json_string(to));
        return call(c, "POST", API_PREFIX "/sys/restore", body, NULL);
    }
    return call(c, "POST", API_PREFIX "/sys/backup/verify", body, NULL);
}

/* retention end|cancel|due|delete|hold|unhold|rule|rules; disposal list|add */
static int cmd_retention(const struct cli *c, int argc, char **argv)
{
    char path[512], tail[160];
    const char *verb = argc >= 2 ? argv[1] : "";
    bool id_ok = argc >= 4 && strspn(argv[3], "0123456789") == strlen(argv[3]) && argv[3][0] != '\0';
    if (strcmp(verb, "rules") == 0)
        return call(c, "GET", API_PREFIX "/retention-rules", NULL, NULL);
    if ((strcmp(verb, "end") == 0 || strcmp(verb, "cancel") == 0 || strcmp(verb, "hold") == 0 ||
         strcmp(verb, "unhold") == 0) && id_ok) {
        bool end = strcmp(verb, "end") == 0 || strcmp(verb, "cancel") == 0;
        snprintf(tail, sizeof(tail), "/persons/%s/%s", argv[3], end ? "end" : "hold");
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        if (strcmp(verb, "cancel") == 0 || strcmp(verb, "unhold") == 0)
            return call(c, "DELETE", path, NULL, NULL);
        const char *on = opt_value(argc, argv, 4, "--on"), *reason = opt_value(argc, argv, 4, "--reason");
        if (reason == NULL || (end && on == NULL))
            goto usage;
        return call(c, "PUT", path,
                    end ? json_pack("{s:s, s:s}", "ended_on", on, "reason", reason) : json_pack("{s:s}", "reason", reason),
                    NULL);
    }
    if (strcmp(verb, "requests") == 0 && argc >= 3 && (argc == 3 || argv[3][0] == '-')) {
        char q[64];
        if (cli_page_query(argc, argv, 3, '?', q, sizeof(q)) != 0 ||
            path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/deletion-requests", q) != 0)
            return 2;
        return call(c, "GET", path, NULL, NULL);
    }
    if ((strcmp(verb, "approve") == 0 || strcmp(verb, "reject") == 0) && id_ok) {
        snprintf(tail, sizeof(tail), "/deletion-requests/%s/%s", argv[3], verb);
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        return call(c, "POST", path, NULL, NULL);
    }
    if ((strcmp(verb, "due") == 0 || strcmp(verb, "delete") == 0) && argc >= 3) {
        const char *as_of = opt_value(argc, argv, 3, "--as-of");
        if (as_of != NULL && strspn(as_of, "0123456789-") != strlen(as_of))
            goto usage;
        if (strcmp(verb, "due") == 0) {
            snprintf(tail, sizeof(tail), "/retention/due%s%s", as_of ? "?as_of=" : "", as_of ? as_of : "");
            if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
                return 2;
            return call(c, "GET", path, NULL, NULL);
        }
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/retention/delete", NULL) != 0)
            return 2;
        json_t *body = json_object();
        if (as_of != NULL)
            json_object_set_new(body, "as_of", json_string(as_of));
        return call(c, "POST", path, body, NULL);
    }
    if (strcmp(verb, "rule") == 0 && argc >= 4) {
        const char *month = opt_value(argc, argv, 3, "--fy-end-month"), *reason = opt_value(argc, argv, 3, "--reason");
        if (month == NULL || path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/retention/rule", NULL) != 0)
            goto usage;
        json_t *body = json_pack("{s:I}", "fy_end_month", (json_int_t)strtol(month, NULL, 10));
        if (reason != NULL)
            json_object_set_new(body, "reason", json_string(reason));
        return call(c, "PUT", path, body, NULL);
    }
usage:
    fprintf(stderr, "usage: mnsafe retention rules\n"
                    "       mnsafe retention end TENANT ID --on YYYY-MM-DD --reason retirement|contract_end|last_payment\n"
                    "       mnsafe retention cancel TENANT ID\n"
                    "       mnsafe retention due TENANT [--as-of YYYY-MM-DD] | delete TENANT [--as-of YYYY-MM-DD]\n"
                    "       mnsafe retention hold TENANT ID --reason TEXT | unhold TENANT ID\n"
                    "       mnsafe retention rule TENANT --fy-end-month M --reason TEXT   (0 clears)\n"
                    "       mnsafe retention requests TENANT | approve TENANT ID | reject TENANT ID\n");
    return 2;
}

static int cmd_disposal(const struct cli *c, int argc, char **argv)
{
    char path[512], tail[160];
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "list") == 0 && argc >= 3) {
        const char *from = opt_value(argc, argv, 3, "--from"), *to = opt_value(argc, argv, 3, "--to");
        const char *format = opt_value(argc, argv, 3, "--format"), *out = opt_value(argc, argv, 3, "--out");
        if ((from && strspn(from, "0123456789-") != strlen(from)) || (to && strspn(to, "0123456789-") != strlen(to)) ||
            (format && strcmp(format, "html") != 0 && strcmp(format, "json") != 0))
            goto usage;
        snprintf(tail, sizeof(tail), "/disposals?format=%s%s%s%s%s", format ? format : "json", from ? "&from=" : "",
                 from ? from : "", to ? "&to=" : "", to ? to : "");
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        return get_to_file(c, path, out);
    }
    if (strcmp(verb, "certificate") == 0 && argc == 6 && strcmp(argv[4], "--out") == 0 &&
        strspn(argv[3], "0123456789") == strlen(argv[3])) {
        snprintf(tail, sizeof(tail), "/disposals/%s/certificate", argv[3]);
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], tail, NULL) != 0)
            return 2;
        return download(c, path, argv[5]);
    }
    if (strcmp(verb, "add") == 0 && argc >= 3) {
        static const char *const flags[][2] = {{"--kind", "data_kind"}, {"--on", "disposed_on"}, {"--method", "method"},
                                               {"--contractor", "contractor"}, {"--note", "note"}};
        json_t *body = json_object();
        for (int i = 3; i + 1 < argc; i += 2) {
            size_t k = 0;
            while (k < 5 && strcmp(argv[i], flags[k][0]) != 0)
                k++;
            if (k < 5) {
                json_object_set_new(body, flags[k][1], json_string(argv[i + 1]));
            } else if (strcmp(argv[i], "--persons") == 0) {
                json_object_set_new(body, "persons", json_integer(strtol(argv[i + 1], NULL, 10)));
            } else if (strcmp(argv[i], "--certificate") == 0) {
                /* the contractor's certificate goes with the entry (kept sealed) */
                json_t *file = file_upload(argv[i + 1], NULL);
                if (file == NULL) {
                    json_decref(body);
                    return 1;
                }
                json_object_set_new(body, "certificate", file);
            } else {
                json_decref(body);
                goto usage;
            }
        }
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/disposals", NULL) != 0) {
            json_decref(body);
            return 2;
        }
        return call(c, "POST", path, body, NULL);
    }
usage:
    fprintf(stderr, "usage: mnsafe disposal list TENANT [--from D] [--to D] [--format json|html] [--out FILE]\n"
                    "       mnsafe disposal add TENANT --kind TEXT --on YYYY-MM-DD --method METHOD[: details]\n"
                    "             [--contractor NAME] [--certificate FILE] [--note TEXT] [--persons N]\n"
                    "       mnsafe disposal certificate TENANT ENTRY_ID --out FILE\n");
    return 2;
}

/* checksheet show|counts|probes|assess|list|get|set|report */
static int cmd_checksheet(const struct cli *c, int argc, char **argv)
{
    char path[512];
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "show") == 0)
        return call(c, "GET", API_PREFIX "/checksheet", NULL, NULL);
    if (strcmp(verb, "counts") == 0)
        return call(c, "GET", API_PREFIX "/checksheet/counts", NULL, NULL);
    if (strcmp(verb, "probes") == 0)
        return call(c, "GET", API_PREFIX "/checksheet/probes", NULL, NULL);
    if (strcmp(verb, "assess") == 0 && argc == 5 && strcmp(argv[3], "--title") == 0) {
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/assessments", NULL) != 0)
            return 2;
        return call(c, "POST", path, json_pack("{s:s}", "title", argv[4]), NULL);
    }
    if (strcmp(verb, "list") == 0 && argc == 3) {
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/assessments", NULL) != 0)
            return 2;
        return call(c, "GET", path, NULL, NULL);
    }
    /* export without an id: the sheet alone (xccdf, oscal-catalog) */
    bool sheet_only = strcmp(verb, "export") == 0 && (argc < 3 || argv[2][0] == '-');
    if ((strcmp(verb, "get") == 0 && argc == 3) ||
        ((strcmp(verb, "report") == 0 || strcmp(verb, "export") == 0) && argc >= 2 && argc <= 7)) {
        int from = sheet_only ? 2 : 3;
        const char *format = opt_value(argc, argv, from, "--format"), *out = opt_value(argc, argv, from, "--out");
        if ((!sheet_only && (argc < 3 || strspn(argv[2], "0123456789") != strlen(argv[2]))) ||
            (format != NULL && strspn(format, "abcdefghijklmnopqrstuvwxyz-") != strlen(format)))
            return 2;
        if (sheet_only)
            snprintf(path, sizeof(path), API_PREFIX "/checksheet/export?format=%s", format != NULL ? format : "xccdf");
        else
            snprintf(path, sizeof(path), API_PREFIX "/assessments/%s%s%s", argv[2], verb[0] != 'g' ? "/report?format=" : "",
                     verb[0] != 'g' ? (format != NULL ? format : "json") : "");
        return get_to_file(c, path, out);
    }
    if (strcmp(verb, "set") == 0 && argc >= 4 && strspn(argv[2], "0123456789") == strlen(argv[2])) {
        static const char *const flags[][2] = {{"--status", "status"},
                                               {"--reason", "reason"},
                                               {"--evidence-note", "evidence_note"},
                                               {"--evidence-link", "evidence_link"},
                                               {"--evidence-expires", "evidence_expires"},
                                               {"--owner", "owner"},
                                               {"--due", "due"},
                                               {"--parts", "parts"}};
        if (strchr(argv[3], '/') != NULL || strchr(argv[3], '?') != NULL)
            return 2;
        json_t *body = json_object();
        for (int i = 4; i < argc; i += 2) {
            size_t k = 0;
            while (k < sizeof(flags) / sizeof(flags[0]) && strcmp(argv[i], flags[k][0]) != 0)
                k++;
            if (k == sizeof(flags) / sizeof(flags[0]) || i + 1 >= argc) {
                json_decref(body);
                fprintf(stderr, "mnsafe: checksheet set: unknown option %s\n", argv[i]);
                return 2;
            }
            json_object_set_new(body, flags[k][1],
                                strcmp(flags[k][1], "parts") == 0 ? split_list(argv[i + 1]) : json_string(argv[i + 1]));
        }
        snprintf(path, sizeof(path), API_PREFIX "/assessments/%s/items/%s", argv[2], argv[3]);
        return call(c, "PUT", path, body, NULL);
    }
    if (strcmp(verb, "trend") == 0 && argc == 3) {
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/assessments/trend", NULL) != 0)
            return 2;
        return call(c, "GET", path, NULL, NULL);
    }
    if (strcmp(verb, "evidence") == 0 && argc >= 5 && strspn(argv[2], "0123456789") == strlen(argv[2]) &&
        strchr(argv[3], '/') == NULL) {
        /* evidence ID ITEM FILE [--type T]: the file is sent base64 in JSON */
        json_t *body = file_upload(argv[4], opt_value(argc, argv, 5, "--type"));
        if (body == NULL)
            return 1;
        snprintf(path, sizeof(path), API_PREFIX "/assessments/%s/items/%s/evidence", argv[2], argv[3]);
        return call(c, "POST", path, body, NULL);
    }
    if (strcmp(verb, "evidence-get") == 0 && argc == 5 && strcmp(argv[3], "--out") == 0 &&
        strspn(argv[2], "0123456789") == strlen(argv[2])) {
        snprintf(path, sizeof(path), API_PREFIX "/evidence/%s", argv[2]);
        return download(c, path, argv[4]);
    }
    fprintf(stderr,
            "usage: mnsafe checksheet show | counts | probes\n"
            "       mnsafe checksheet trend TENANT\n"
            "       mnsafe checksheet evidence ID ITEM FILE [--type MIME] | evidence-get EVIDENCE_ID --out FILE\n"
            "       mnsafe checksheet assess TENANT --title TITLE | list TENANT | get ID\n"
            "       mnsafe checksheet set ID ITEM --status S [--reason R] [--evidence-note N] [--evidence-link L]\n"
            "                             [--evidence-expires YYYY-MM-DD] [--owner O] [--due YYYY-MM-DD]\n"
            "       mnsafe checksheet report|export ID [--format F] [--out FILE]\n"
            "           F: json, csv, csv-en, html, html-en, xccdf, oscal-catalog, oscal-results, oscal-poam\n"
            "       mnsafe checksheet export [--format xccdf|oscal-catalog] [--out FILE]   the sheet alone\n");
    return 2;
}

static int cmd_tenant(const struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return call(c, "GET", API_PREFIX "/tenants", NULL, NULL);
    if (argc >= 4 && strcmp(argv[1], "create") == 0) {
        json_t *body = json_pack("{s:s, s:s}", "code", argv[2], "name", argv[3]);
        for (int i = 4; i + 1 < argc; i++)
            if (strcmp(argv[i], "--corporate-number") == 0)
                json_object_set_new(body, "corporate_number", json_string(argv[i + 1]));
        return call(c, "POST", API_PREFIX "/tenants", body, NULL);
    }
    if (argc >= 3 && strcmp(argv[1], "policy") == 0) {
        char path[512];
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", argv[2], "/policy", NULL) != 0)
            return 2;
        if (argc == 3)
            return call(c, "GET", path, NULL, NULL);
        json_t *body = json_object();
        for (int i = 3; i < argc; i += 2) {
            const char *val = i + 1 < argc ? argv[i + 1] : NULL;
            bool none = val != NULL && strcmp(val, "none") == 0;
            if (val != NULL && strcmp(argv[i], "--require-mfa") == 0 && (strcmp(val, "on") == 0 || strcmp(val, "off") == 0))
                json_object_set_new(body, "require_mfa", json_boolean(strcmp(val, "on") == 0));
            else if (val != NULL && strcmp(argv[i], "--allow-networks") == 0)
                json_object_set_new(body, "allow_networks", none ? json_null() : json_string(val));
            else if (val != NULL && strcmp(argv[i], "--require-pledge-training") == 0 &&
                     (strcmp(val, "on") == 0 || strcmp(val, "off") == 0))
                json_object_set_new(body, "require_pledge_training", json_boolean(strcmp(val, "on") == 0));
            else if (val != NULL && strcmp(argv[i], "--export-approval") == 0 &&
                     (strcmp(val, "on") == 0 || strcmp(val, "off") == 0))
                json_object_set_new(body, "export_approval", json_boolean(strcmp(val, "on") == 0));
            else if (val != NULL && strcmp(argv[i], "--allow-hours") == 0)
                json_object_set_new(body, "allow_hours", none ? json_null() : json_string(val));
            else {
                json_decref(body);
                fprintf(stderr, "usage: mnsafe tenant policy CODE [--require-mfa on|off] [--allow-networks CIDR,...|none]\n"
                                "       [--allow-hours HH-HH[@day-day]|none] [--require-pledge-training on|off]\n"
                                "       [--export-approval on|off]\n");
                return 2;
            }
        }
        return call(c, "PUT", path, body, NULL);
    }
    fprintf(stderr, "usage: mnsafe tenant create CODE NAME [--corporate-number N] | tenant list | tenant policy CODE ...\n");
    return 2;
}

static int read_file_json(const char *file, json_t **out)
{
    json_error_t jerr;
    *out = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL) {
        if (jerr.line < 0) {
            fprintf(stderr, "mnsafe: cannot read %s / ファイルを読めません\n", file);
            return -1;
        }
        /* jansson's text quotes the input near the error, which may be a number */
        fprintf(stderr, "mnsafe: %s: malformed JSON at line %d column %d / JSONを読めません（%d行%d列）\n", file,
                jerr.line, jerr.column, jerr.line, jerr.column);
        return -1;
    }
    return 0;
}

static int cmd_person(const struct cli *c, int argc, char **argv)
{
    char path[512], number[MNS_NUMBER_INPUT_MAX + 2];
    if (argc < 3)
        goto usage;
    const char *verb = argv[1], *tenant = argv[2];
    if (strcmp(verb, "list") == 0) {
        char q[900] = "";
        const char *after = opt_value(argc, argv, 3, "--after"), *limit = opt_value(argc, argv, 3, "--limit");
        const char *kind = opt_value(argc, argv, 3, "--kind"), *name = opt_value(argc, argv, 3, "--name");
        int qn = snprintf(q, sizeof(q), "?after=%s&limit=%s", after ? after : "0", limit ? limit : "100");
        if (kind != NULL && strspn(kind, "abcdefghijklmnopqrstuvwxyz") == strlen(kind))
            qn += snprintf(q + qn, sizeof(q) - (size_t)qn, "&kind=%s", kind);
        if (name != NULL && strlen(name) < 200) {
            /* percent-encoded: names are Japanese */
            qn += snprintf(q + qn, sizeof(q) - (size_t)qn, "&name=");
            for (const unsigned char *p = (const unsigned char *)name; *p && (size_t)qn + 4 < sizeof(q); p++)
                qn += isalnum(*p) ? snprintf(q + qn, sizeof(q) - (size_t)qn, "%c", *p)
                                  : snprintf(q + qn, sizeof(q) - (size_t)qn, "%%%02X", *p);
        }
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons", q) != 0)
            return 2;
        return call(c, "GET", path, NULL, NULL);
    }
    if (strcmp(verb, "add") == 0) {
        const char *name = opt_value(argc, argv, 3, "--name"), *purpose = opt_value(argc, argv, 3, "--purpose");
        if (name == NULL || purpose == NULL)
            goto usage;
        if (ask_number(number, sizeof(number)) != 0)
            return 1;
        json_t *p = json_pack("{s:s, s:s, s:s, s:o}", "kind", opt_value(argc, argv, 3, "--kind") ?: "employee", "name",
                              name, "mynumber", number, "purposes", split_list(purpose));
        mns_wipe(number, sizeof(number));
        const char *code = opt_value(argc, argv, 3, "--employee-code");
        if (code != NULL)
            json_object_set_new(p, "employee_code", json_string(code));
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons", NULL) != 0) {
            json_decref(p);
            return 2;
        }
        return call(c, "POST", path, json_pack("{s:[o]}", "persons", p), NULL);
    }
    if (strcmp(verb, "import") == 0 && argc >= 4) {
        json_t *list;
        if (read_file_json(argv[3], &list) != 0)
            return 1;
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons", NULL) != 0) {
            json_decref(list);
            return 2;
        }
        return call(c, "POST", path, json_pack("{s:o}", "persons", list), NULL);
    }
    if (strcmp(verb, "show") == 0 && argc == 4 && strspn(argv[3], "0123456789") == strlen(argv[3])) {
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons/", argv[3]) != 0)
            return 2;
        return call(c, "GET", path, NULL, NULL);
    }
    if (strcmp(verb, "remove-dependent") == 0 && argc >= 5 && strspn(argv[3], "0123456789") == strlen(argv[3]) &&
        strspn(argv[4], "0123456789") == strlen(argv[4])) {
        const char *reason = opt_value(argc, argv, 5, "--reason");
        char tail[64];
        snprintf(tail, sizeof(tail), "/dependents/%s", argv[4]);
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons/", argv[3]) != 0)
            return 2;
        strncat(path, tail, sizeof(path) - strlen(path) - 1);
        return call(c, "DELETE", path, reason ? json_pack("{s:s}", "reason", reason) : NULL, NULL);
    }
    if (strcmp(verb, "add-dependent") == 0 && argc >= 4 && strspn(argv[3], "0123456789") == strlen(argv[3])) {
        const char *name = opt_value(argc, argv, 4, "--name"), *rel = opt_value(argc, argv, 4, "--relationship");
        const char *kana = opt_value(argc, argv, 4, "--kana"), *birth = opt_value(argc, argv, 4, "--birth-date");
        if (name == NULL || rel == NULL)
            goto usage;
        if (ask_number(number, sizeof(number)) != 0)
            return 1;
        json_t *d = json_pack("{s:s, s:s, s:s}", "name", name, "relationship", rel, "mynumber", number);
        mns_wipe(number, sizeof(number));
        if (kana != NULL)
            json_object_set_new(d, "name_kana", json_string(kana));
        if (birth != NULL)
            json_object_set_new(d, "birth_date", json_string(birth));
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons/", argv[3]) != 0) {
            json_decref(d);
            return 2;
        }
        strncat(path, "/dependents", sizeof(path) - strlen(path) - 1);
        return call(c, "POST", path, d, NULL);
    }
    if (strcmp(verb, "find") == 0) {
        if (ask_number(number, sizeof(number)) != 0)
            return 1;
        json_t *body = json_pack("{s:s}", "mynumber", number);
        mns_wipe(number, sizeof(number));
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons/search", NULL) != 0) {
            json_decref(body);
            return 2;
        }
        return call(c, "POST", path, body, NULL);
    }
    if ((strcmp(verb, "reveal") == 0 || strcmp(verb, "delete") == 0) && argc >= 4) {
        for (const char *p = argv[3]; *p; p++)
            if (*p < '0' || *p > '9')
                goto usage;
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", tenant, "/persons/", argv[3]) != 0)
            return 2;
        if (strcmp(verb, "delete") == 0) {
            const char *reason = opt_value(argc, argv, 4, "--reason");
            return call(c, "DELETE", path, reason ? json_pack("{s:s}", "reason", reason) : NULL, NULL);
        }
        const char *purpose = opt_value(argc, argv, 4, "--purpose");
        if (purpose == NULL)
            goto usage;
        strncat(path, "/reveal", sizeof(path) - strlen(path) - 1);
        return call(c, "POST", path, json_pack("{s:s}", "purpose", purpose), NULL);
    }
usage:
    fprintf(stderr, "usage: see `mnsafe --help` (person add|import|list|show|add-dependent|find|reveal|delete)\n");
    return 2;
}

/* store copy --to URL: runs here, not in the daemon: no keys are needed, the
 * rows are copied as they are (the numbers stay encrypted) */
static int cmd_store(const struct cli *c, int argc, char **argv)
{
    char from_url[1200];
    struct mns_store *from = NULL, *to = NULL;
    mns_errmsg em = {""};
    int64_t rows = 0;
    if (argc != 4 || strcmp(argv[1], "copy") != 0 || strcmp(argv[2], "--to") != 0) {
        fprintf(stderr, "usage: mnsafe [--data DIR | --store URL] store copy --to URL\n");
        return 2;
    }
    if (c->store_url != NULL) {
        snprintf(from_url, sizeof(from_url), "%s", c->store_url);
    } else {
        snprintf(from_url, sizeof(from_url), "sqlite:%s/mnsafe.db", c->data_dir);
        /* opening would make an empty store: a missing one is named instead */
        if (access(from_url + 7, F_OK) != 0) {
            fprintf(stderr, "mnsafe: no store at %s / ストアがありません\n", from_url + 7);
            return 1;
        }
    }
    if (strcmp(from_url, argv[3]) == 0) {
        fprintf(stderr, "mnsafe: the target is the store itself / 複製先が複製元と同じです\n");
        return 2;
    }
    mns_err err = mns_store_open(&from, from_url, &em);
    if (err == MNS_OK)
        err = mns_store_migrate(from, NULL, &em);
    if (err == MNS_OK && (err = mns_store_open(&to, argv[3], &em)) == MNS_OK &&
        (err = mns_store_migrate(to, NULL, &em)) == MNS_OK)
        err = mns_store_copy(from, to, &rows, &em);
    mns_store_close(to);
    mns_store_close(from);
    if (err != MNS_OK) {
        fprintf(stderr, "mnsafe: %s\n", em.text[0] ? em.text : mns_strerror(err));
        return 1;
    }
    printf("copied %lld rows / %lld 行を複製しました\n"
           "serve it with this data directory and --store (or store = ...) set to the new URL; run\n"
           "`mnsafe audit verify` against it first / 新しいストアで audit verify を実行してから起動してください\n",
           (long long)rows, (long long)rows);
    return 0;
}

static int cmd_audit(const struct cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
        struct mns_audit_report rep;
        mns_errmsg em = {""};
        mns_err err = mns_vault_verify_offline(c->data_dir, c->store_url, &rep, &em);
        if (err == MNS_OK) {
            printf("audit log intact: %llu entries, %llu checkpoints verified / 監査ログは正常です\n",
                   (unsigned long long)rep.entries, (unsigned long long)rep.checkpoints);
            return 0;
        }
        if (err == MNS_ERR_TAMPERED) {
            printf("audit log BROKEN: %s\n", rep.problem);
            if (rep.first_bad_seq)
                printf("first bad entry: %llu\n", (unsigned long long)rep.first_bad_seq);
            return 1;
        }
        fprintf(stderr, "mnsafe: cannot verify: %s\n", em.text[0] ? em.text : mns_strerror(err));
        return 2;
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        char path[256];
        const char *after = opt_value(argc, argv, 2, "--after"), *limit = opt_value(argc, argv, 2, "--limit");
        snprintf(path, sizeof(path), API_PREFIX "/audit?after=%lld&limit=%lld", after ? strtoll(after, NULL, 10) : 0LL,
                 limit ? strtoll(limit, NULL, 10) : 100LL);
        return call(c, "GET", path, NULL, NULL);
    }
    fprintf(stderr, "usage: mnsafe audit verify | audit list [--after SEQ] [--limit N]\n");
    return 2;
}

/* ---- serve ------------------------------------------------------------------ */

/* The demo's users skip the one-time password: it is replaced by a new
 * random one (written to demo-logins.txt) through the normal change. */
static mns_err demo_activate(struct mns_vault *v, const char *user, char pw[40], mns_errmsg *em)
{
    char token[MNS_TOKEN_LEN + 1], fresh[MNS_PASSWORD_GEN_LEN + 1];
    struct mns_actor a;
    mns_err err = mns_vault_login(v, user, pw, "local", token, &a, em);
    mns_wipe(token, sizeof(token));
    if (err != MNS_OK || (err = mns_password_generate(fresh)) != MNS_OK)
        return err;
    err = mns_vault_password_change(v, &a, pw, fresh, em);
    if (err == MNS_OK)
        memcpy(pw, fresh, sizeof(fresh));
    mns_wipe(fresh, sizeof(fresh));
    return err;
}

/* A whole number flag value: digits only, at most max; says which flag is
 * wrong otherwise (strtoul alone would take "10x" as 10 and "-1" as huge). */
static bool flag_number(const char *flag, const char *text, unsigned long max, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || n > max) {
        fprintf(stderr, "mnsafe: --%s takes a whole number up to %lu / --%s には%lu以下の整数を指定してください\n", flag,
                max, flag, max);
        return false;
    }
    *out = (unsigned)n;
    return true;
}

/* Creates, on first start of `serve --dev`, a demo store with a tenant, one
 * user per role and a few persons, and writes the logins to demo-logins.txt. */
static int demo_setup(const struct cli *c, const char *logins_path)
{
    struct mns_vault_config cfg = {.data_dir = c->data_dir, .store_url = c->store_url};
    struct mns_vault_init_result *res = mns_secure_alloc(sizeof(*res));
    struct mns_vault *v = NULL;
    struct mns_actor admin, clerk;
    char token[MNS_TOKEN_LEN + 1], pw[3][40], text[1024];
    static const char *const names[] = {"clerk", "officer", "auditor"};
    static const mns_role roles[] = {MNS_ROLE_CLERK, MNS_ROLE_OFFICER, MNS_ROLE_AUDITOR};
    json_t *r = NULL;
    mns_errmsg em = {""};
    mns_err err;
    int rc = 1;

    if (res == NULL)
        return 1;
    if ((err = mns_vault_create(&cfg, 0, 0, true, res, &em)) != MNS_OK || (err = mns_vault_open(&v, &cfg, &em)) != MNS_OK ||
        (err = mns_vault_unseal_dev(v, &em)) != MNS_OK ||
        (err = demo_activate(v, res->admin_name, res->admin_password, &em)) != MNS_OK ||
        (err = mns_vault_login(v, res->admin_name, res->admin_password, "local", token, &admin, &em)) != MNS_OK ||
        (err = mns_vault_tenant_create(v, &admin, "demo", "デモ株式会社", "7000012050002", &r, &em)) != MNS_OK)
        goto out;
    json_decref(r);
    for (int i = 0; i < 3; i++) {
        if ((err = mns_vault_user_create(v, &admin, names[i], roles[i], pw[i], &r, &em)) != MNS_OK ||
            (err = demo_activate(v, names[i], pw[i], &em)) != MNS_OK)
            goto out;
        json_decref(r);
        if (i < 2 && (err = mns_vault_assign(v, &admin, names[i], "demo", &em)) != MNS_OK)
            goto out;
    }
    if ((err = mns_vault_login(v, "clerk", pw[0], "local", token, &clerk, &em)) != MNS_OK)
        goto out;
    /* demo numbers: random 11 digits plus their check digit, never real ones */
    json_t *persons = json_array();
    static const char *const demo_names[] = {"山田 太郎", "佐藤 花子", "鈴木 一郎"};
    for (int i = 0; i < 3; i++) {
        char num[MNS_MYNUMBER_LEN + 1];
        uint8_t rnd[11];
        if (mns_random(rnd, sizeof(rnd)) != MNS_OK)
            goto out;
        for (int d = 0; d < 11; d++)
            num[d] = (char)('0' + rnd[d] % 10);
        num[11] = (char)('0' + mns_mynumber_check_digit(num));
        num[12] = '\0';
        json_array_append_new(persons, json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "kind", "employee", "name", demo_names[i],
                                                 "mynumber", num, "purposes", "withholding_slip", "health_pension",
                                                 "employment_insurance"));
        mns_wipe(num, sizeof(num));
    }
    err = mns_vault_person_add(v, &clerk, "demo", persons, &r, &em);
    json_decref(persons);
    json_decref(r);
    if (err != MNS_OK)
        goto out;
    int n = snprintf(text, sizeof(text),
                     "sysadmin  admin    %s\nclerk     clerk    %s\nofficer   officer  %s\nauditor   auditor  %s\n",
                     res->admin_password, pw[0], pw[1], pw[2]);
    int fd = open(logins_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, (size_t)n) != n || close(fd) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "mnsafe: demo setup failed: %s\n", em.text[0] ? em.text : mns_strerror(err));
    mns_wipe(pw, sizeof(pw));
    mns_wipe(text, sizeof(text));
    mns_wipe(token, sizeof(token));
    mns_vault_free(v);
    mns_secure_free(res, sizeof(*res));
    return rc;
}

static const struct option serve_opts[] = {{"dev", no_argument, NULL, 'd'},
                                     {"listen", required_argument, NULL, 'l'},
                                     {"no-https", no_argument, NULL, 'n'},
                                     {"cert", required_argument, NULL, 'c'},
                                     {"key", required_argument, NULL, 'k'},
                                     {"threads", required_argument, NULL, 't'},
                                     {"checkpoint-seconds", required_argument, NULL, 's'},
                                     {"sessions", required_argument, NULL, 'S'},
                                     {"lockout-failures", required_argument, NULL, 'F'},
                                     {"lockout-seconds", required_argument, NULL, 'L'},
                                     {"password-min-length", required_argument, NULL, 'P'},
                                     {"password-classes", required_argument, NULL, 'C'},
                                     {"password-history", required_argument, NULL, 'H'},
                                     {"password-expiry-days", required_argument, NULL, 'E'},
                                     {"password-blocklist", required_argument, NULL, 'B'},
                                     {"allow-network", required_argument, NULL, 'N'},
                                     {"allow-hours", required_argument, NULL, 'O'},
                                     {"separation-of-duties", no_argument, NULL, 'D'},
                                     {"require-mfa", required_argument, NULL, 'M'},
                                     {"client-ca", required_argument, NULL, 'A'},
                                     {"require-client-cert", required_argument, NULL, 'R'},
                                     {"refuse-new-address", no_argument, NULL, 'W'},
                                     {"refuse-new-device", no_argument, NULL, 'V'},
                                     {"checksheet", required_argument, NULL, 'K'},
                                     {"retention", required_argument, NULL, 'J'},
                                     {"deletion-approval", no_argument, NULL, 'G'},
                                     {"place", required_argument, NULL, 'Q'},
                                     {"travel-minutes", required_argument, NULL, 'T'},
                                     {"rate-limit", required_argument, NULL, 'r'},
                                     {"rate-burst", required_argument, NULL, 'b'},
                                     {"max-connections", required_argument, NULL, 'm'},
                                     {"store-pool", required_argument, NULL, 'U'},
                                     {"quick-threads", required_argument, NULL, 'q'},
                                     {"log-file", required_argument, NULL, 'f'},
                                     {"data", required_argument, NULL, 'x'},
                                     {"store", required_argument, NULL, 'Y'},
                                     {"config", required_argument, NULL, 'g'},
                                     {NULL, 0, NULL, 0}};

static int serve_run(const struct cli *c, int argc, char **argv)
{
    bool dev = false, https = true;
    const char *listen = "127.0.0.1:8443", *cert = NULL, *key = NULL;
    unsigned threads = 16, quick_threads = 1, checkpoint_seconds = 60, lockout_failures = 0, lockout_seconds = 0;
    unsigned rate_limit = 1000, rate_burst = 0, max_connections = 512, store_pool = 4;
    const char *log_file = NULL, *data_dir = NULL, *store_url = NULL;
    bool sessions_refuse = false, separation = false;
    unsigned require_mfa = 0, require_cert = 0;
    const char *client_ca = NULL;
    unsigned pw_min = 0, pw_classes = 0, pw_history = 0, pw_expiry = 0;
    const char *pw_blocklist = NULL;
    enum { RULES_MAX = 17 };
    const char *allow_networks[RULES_MAX] = {NULL}, *allow_hours[RULES_MAX] = {NULL}, *places[RULES_MAX] = {NULL};
    size_t nnetworks = 0, nhours = 0, nplaces = 0;
    bool refuse_new_address = false, refuse_new_device = false, deletion_approval = false;
    const char *checksheet_path = getenv("MNSAFE_CHECKSHEET") ? getenv("MNSAFE_CHECKSHEET") : MNS_CHECKSHEET_DEFAULT;
    const char *retention_path = getenv("MNSAFE_RETENTION") ? getenv("MNSAFE_RETENTION") : MNS_RETENTION_DEFAULT;
    unsigned travel_minutes = 0;

    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", serve_opts, NULL)) != -1) {
        switch (ch) {
        case 'd': dev = true; break;
        case 'l': listen = optarg; break;
        case 'n': https = false; break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 't':
            if (!flag_number("threads", optarg, 64, &threads))
                return 2;
            break;
        case 'q':
            if (!flag_number("quick-threads", optarg, 16, &quick_threads))
                return 2;
            break;
        case 'U':
            if (!flag_number("store-pool", optarg, 64, &store_pool))
                return 2;
            if (store_pool == 0) {
                fprintf(stderr, "mnsafe: --store-pool needs at least 1 connection / --store-pool は1以上です\n");
                return 2;
            }
            break;
        case 'f': log_file = optarg; break;
        case 'x': data_dir = optarg; break;
        case 'Y': store_url = optarg; break;
        case 'g': break; /* read above */
        case 'r':
            if (!flag_number("rate-limit", optarg, 1000000, &rate_limit))
                return 2;
            break;
        case 'b':
            if (!flag_number("rate-burst", optarg, 10000000, &rate_burst))
                return 2;
            break;
        case 'm':
            if (!flag_number("max-connections", optarg, 100000, &max_connections))
                return 2;
            break;
        case 's':
            if (!flag_number("checkpoint-seconds", optarg, 86400, &checkpoint_seconds))
                return 2;
            break;
        case 'S':
            if (strcmp(optarg, "end") != 0 && strcmp(optarg, "refuse") != 0) {
                fprintf(stderr, "mnsafe: --sessions is end or refuse\n");
                return 2;
            }
            sessions_refuse = strcmp(optarg, "refuse") == 0;
            break;
        case 'F':
            if (!flag_number("lockout-failures", optarg, 1000, &lockout_failures))
                return 2;
            break;
        case 'L':
            if (!flag_number("lockout-seconds", optarg, 604800, &lockout_seconds))
                return 2;
            break;
        case 'P':
            if (!flag_number("password-min-length", optarg, 256, &pw_min))
                return 2;
            break;
        case 'C':
            if (!flag_number("password-classes", optarg, 4, &pw_classes))
                return 2;
            break;
        case 'H':
            if (!flag_number("password-history", optarg, 100, &pw_history))
                return 2;
            break;
        case 'E':
            if (!flag_number("password-expiry-days", optarg, 3650, &pw_expiry))
                return 2;
            break;
        case 'B': pw_blocklist = optarg; break;
        case 'D': separation = true; break;
        case 'A': client_ca = optarg; break;
        case 'W': refuse_new_address = true; break;
        case 'V': refuse_new_device = true; break;
        case 'K': checksheet_path = optarg; break;
        case 'J': retention_path = optarg; break;
        case 'G': deletion_approval = true; break;
        case 'T':
            if (!flag_number("travel-minutes", optarg, 10080, &travel_minutes))
                return 2;
            break;
        case 'R':
        case 'M': {
            unsigned *mask = ch == 'M' ? &require_mfa : &require_cert;
            char roles[128];
            char *save = NULL;
            snprintf(roles, sizeof(roles), "%s", optarg);
            for (char *r = strtok_r(roles, ",", &save); r != NULL; r = strtok_r(NULL, ",", &save)) {
                mns_role role = mns_role_parse(r);
                if (role == MNS_ROLE_NONE) {
                    fprintf(stderr, "mnsafe: --require-mfa / --require-client-cert take roles: "
                                    "sysadmin,officer,clerk,auditor\n");
                    return 2;
                }
                *mask |= (unsigned)role;
            }
            break;
        }
        case 'N':
        case 'O':
        case 'Q': {
            const char **list = ch == 'N' ? allow_networks : ch == 'O' ? allow_hours : places;
            size_t *count = ch == 'N' ? &nnetworks : ch == 'O' ? &nhours : &nplaces;
            if (*count + 1 >= RULES_MAX) {
                fprintf(stderr, "mnsafe: at most %d --allow-network / --allow-hours / --place each\n", RULES_MAX - 1);
                return 2;
            }
            list[(*count)++] = optarg;
            break;
        }
        default: return 2;
        }
    }
    if (require_cert != 0 && client_ca == NULL) {
        fprintf(stderr, "mnsafe: --require-client-cert needs --client-ca (the CA that signs them)\n");
        return 2;
    }
    /* the data directory from the config file (or --data after serve) */
    struct cli local = *c;
    if (data_dir != NULL) {
        local.data_dir = data_dir;
        snprintf(local.socket_buf, sizeof(local.socket_buf), "%s/mnsafe.sock", data_dir);
        local.socket_path = local.socket_buf;
    }
    if (store_url != NULL)
        local.store_url = store_url;
    c = &local;
    if (log_file != NULL && log_open(log_file) != 0) {
        fprintf(stderr, "mnsafe: --log-file %s: %s / ログファイルを開けません\n", log_file, strerror(errno));
        return 2;
    }
    char host[256], certbuf[1100], keybuf[1100], db[1100], logins[1100];
    int port = 0;
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) || (port = (int)strtol(colon + 1, NULL, 10)) <= 0 ||
        port > 65535) {
        fprintf(stderr, "mnsafe: --listen wants HOST:PORT\n");
        return 2;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    snprintf(certbuf, sizeof(certbuf), "%s/tls/cert.pem", c->data_dir);
    snprintf(keybuf, sizeof(keybuf), "%s/tls/key.pem", c->data_dir);
    snprintf(db, sizeof(db), "%s/%s", c->data_dir, MNS_DB_FILE);
    snprintf(logins, sizeof(logins), "%s/demo-logins.txt", c->data_dir);

    /* glibc gives each worker thread its own arena, and keeps what they freed:
     * with 16 workers that was ~250 MiB peak for the work of ~30 */
    mallopt(M_ARENA_MAX, 2);
    if (mns_process_harden() != MNS_OK)
        fprintf(stderr, "mnsafe: warning: could not disable core dumps\n");
    mns_vault_json_wipe_allocator();
    /* the demo is made on the embedded store only; with --store, `init --dev` comes first */
    if (dev && c->store_url == NULL && access(db, F_OK) != 0) {
        if (demo_setup(c, logins) != 0)
            return 1;
        char tls_dir[1100], terr[256];
        snprintf(tls_dir, sizeof(tls_dir), "%s/tls", c->data_dir);
        if ((mkdir(tls_dir, 0700) != 0 && errno != EEXIST) || tls_make_self_signed(certbuf, keybuf, terr, sizeof(terr)) != 0)
            fprintf(stderr, "mnsafe: warning: no certificate: %s\n", terr);
    }
    struct mns_vault_config cfg = {.data_dir = c->data_dir, .store_url = c->store_url, .store_pool = store_pool,
                                   .sessions_refuse = sessions_refuse,
                                   .lockout_failures = lockout_failures, .lockout_s = lockout_seconds,
                                   .password_min_length = pw_min, .password_classes = pw_classes,
                                   .password_history = pw_history, .password_expiry_days = pw_expiry,
                                   .password_blocklist = pw_blocklist, .allow_networks = allow_networks,
                                   .allow_hours = allow_hours, .separation_of_duties = separation,
                                   .require_mfa_roles = require_mfa, .require_client_cert_roles = require_cert,
                                   .refuse_new_address = refuse_new_address,
                                   .refuse_new_device = refuse_new_device, .places = places,
                                   .travel_minutes = travel_minutes};
    struct mns_vault *v = NULL;
    mns_errmsg em = {""};
    /* the check sheet is checked whole at start: a broken file is refused
     * by name rather than assessed with items missing */
    struct mns_checksheet *sheet = NULL;
    mns_err err = mns_checksheet_load(&sheet, checksheet_path, &em);
    if (err != MNS_OK) {
        fprintf(stderr, "mnsafe: %s\n", em.text);
        return 1;
    }
    struct mns_retention *retention = NULL;
    if ((err = mns_retention_load(&retention, retention_path, &em)) != MNS_OK) {
        fprintf(stderr, "mnsafe: %s\n", em.text);
        mns_checksheet_free(sheet);
        return 1;
    }
    json_t *facts = json_pack("{s:b, s:s, s:s}", "https", https, "tls_min", "TLSv1.2", "store", "sqlite");
    cfg.checksheet = sheet;
    cfg.retention = retention;
    cfg.deletion_approval = deletion_approval;
    cfg.server_facts = facts;
    err = mns_vault_open(&v, &cfg, &em);
    if (err != MNS_OK) {
        fprintf(stderr, "mnsafe: %s\n", em.text[0] ? em.text : mns_strerror(err));
        mns_checksheet_free(sheet);
        mns_retention_free(retention);
        json_decref(facts);
        return 1;
    }
    if (dev) {
        if (strcmp(mns_vault_seal_mode(v), "dev") != 0) {
            fprintf(stderr, "mnsafe: --dev needs a dev store; this one is sealed by shares\n");
            mns_vault_free(v);
            mns_checksheet_free(sheet);
            mns_retention_free(retention);
            json_decref(facts);
            return 1;
        }
        if ((err = mns_vault_unseal_dev(v, &em)) != MNS_OK) {
            fprintf(stderr, "mnsafe: %s\n", em.text[0] ? em.text : mns_strerror(err));
            mns_vault_free(v);
            mns_checksheet_free(sheet);
            mns_retention_free(retention);
            json_decref(facts);
            return 1;
        }
    }
    struct server_config sc = {
        .data_dir = c->data_dir, .socket_path = c->socket_path, .listen_host = https ? host : NULL,
        .listen_port = port, .cert_file = cert ? cert : certbuf, .key_file = key ? key : keybuf, .threads = threads,
        .quick_threads = quick_threads,
        .rate_per_s = rate_limit, .rate_burst = rate_burst, .max_connections = max_connections,
        .checkpoint_seconds = checkpoint_seconds, .client_ca = client_ca,
    };
    printf("mnsafe is running%s / mnsafe を起動しました\n", dev ? " (DEV MODE: demo data, auto-unsealed)" : "");
    if (https) {
        printf("  Web UI: https://%s:%d/  (a browser; %s)\n", host, port,
               cert ? "your certificate" : "the demo's self-signed certificate: accept it once");
        printf("  API:    https://%s:%d" API_PREFIX "/health\n", host, port);
    }
    printf("  Socket: %s\n", c->socket_path);
    printf("  State:  %s\n", mns_vault_is_sealed(v) ? "sealed: run `mnsafe unseal` with each share" : "unsealed");
    if (dev) {
        FILE *f = fopen(logins, "re");
        char line[256];
        printf("  Demo logins (from %s):\n", logins);
        while (f != NULL && fgets(line, sizeof(line), f) != NULL)
            printf("    %s", line);
        if (f != NULL)
            fclose(f);
        printf("  Try: MNSAFE_DATA=%s ./build/src/mnsafe login clerk && MNSAFE_DATA=%s ./build/src/mnsafe person list demo\n",
               c->data_dir, c->data_dir);
    }
    fflush(stdout);
    int rc = server_run(v, &sc);
    mns_vault_free(v);
    mns_checksheet_free(sheet);
    mns_retention_free(retention);
    json_decref(facts);
    return rc;
}

/* ---- main ----------------------------------------------------------------- */


/* serve: a config file's settings come first, so the command line overrides them */
static int cmd_serve(const struct cli *c, int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--config") == 0) {
            struct config_file conf;
            int nargc = 0;
            char **nargv = NULL;
            if (config_args(argv[i + 1], serve_opts, argc, argv, &nargc, &nargv, &conf) != 0)
                return 2;
            int rc = serve_run(c, nargc, nargv);
            config_release(&conf);
            return rc;
        }
    return serve_run(c, argc, argv);
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof(c));
    c.data_dir = getenv("MNSAFE_DATA") ? getenv("MNSAFE_DATA") : DEFAULT_DATA_DIR;
    c.store_url = getenv("MNSAFE_STORE") && getenv("MNSAFE_STORE")[0] ? getenv("MNSAFE_STORE") : NULL;
    const char *sock = getenv("MNSAFE_SOCKET");
    /* --data and --socket may stand anywhere (before or after the verb);
     * they are taken out so that the verbs see only their own options */
    int kept = 1;
    for (int a = 1; a < argc; a++) {
        if ((strcmp(argv[a], "--data") == 0 || strcmp(argv[a], "--socket") == 0 || strcmp(argv[a], "--store") == 0) &&
            a + 1 < argc) {
            if (argv[a][2] == 'd')
                c.data_dir = argv[a + 1];
            else if (strcmp(argv[a], "--store") == 0)
                c.store_url = argv[a + 1];
            else
                sock = argv[a + 1];
            a++;
            continue;
        }
        argv[kept++] = argv[a];
    }
    argc = kept;
    argv[argc] = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("mnsafe 0.1.0\n");
            return 0;
        }
        usage(stderr);
        return 2;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    if (sock == NULL) {
        snprintf(c.socket_buf, sizeof(c.socket_buf), "%s/mnsafe.sock", c.data_dir);
        sock = c.socket_buf;
    }
    c.socket_path = sock;
    const char *sess = getenv("MNSAFE_SESSION");
    if (sess == NULL) {
        const char *home = getenv("HOME");
        snprintf(c.session_buf, sizeof(c.session_buf), "%s/.config/mnsafe/session", home ? home : ".");
        sess = c.session_buf;
    }
    c.session_file = sess;
    if (mns_global_init() != MNS_OK) {
        fprintf(stderr, "mnsafe: cannot initialise the crypto libraries\n");
        return 1;
    }

    const char *verb = argv[i];
    int vargc = argc - i;
    char **vargv = argv + i;
    if (strcmp(verb, "api-routes") == 0) {
        /* the route table, for docs/openapi.json's test */
        for (size_t r = 0; r < api_routes_count; r++)
            printf("%s %s%s\n", api_routes[r].method, API_PREFIX, api_routes[r].path);
        return 0;
    }
    if (strcmp(verb, "check-number") == 0)
        return cmd_check_number(vargc - 1, vargv + 1);
    if (strcmp(verb, "init") == 0)
        return cmd_init(&c, vargc, vargv);
    if (strcmp(verb, "serve") == 0)
        return cmd_serve(&c, vargc, vargv);
    if (strcmp(verb, "status") == 0)
        return call(&c, "GET", API_PREFIX "/sys/seal-status", NULL, NULL);
    if (strcmp(verb, "unseal") == 0)
        return cmd_unseal(&c);
    if (strcmp(verb, "seal") == 0)
        return call(&c, "POST", API_PREFIX "/sys/seal", NULL, NULL);
    if (strcmp(verb, "login") == 0)
        return cmd_login(&c, vargc, vargv);
    if (strcmp(verb, "logout") == 0)
        return cmd_logout(&c);
    if (strcmp(verb, "whoami") == 0)
        return call(&c, "GET", API_PREFIX "/sessions/current", NULL, NULL);
    if (strcmp(verb, "passwd") == 0)
        return cmd_passwd(&c);
    if (strcmp(verb, "user") == 0)
        return cmd_user(&c, vargc, vargv);
    if (strcmp(verb, "token") == 0)
        return cmd_token(&c, vargc, vargv);
    if (strcmp(verb, "mfa") == 0)
        return cmd_mfa(&c, vargc, vargv);
    if (strcmp(verb, "access") == 0)
        return cmd_access(&c, vargc, vargv);
    if (strcmp(verb, "tenant") == 0)
        return cmd_tenant(&c, vargc, vargv);
    if (strcmp(verb, "checksheet") == 0)
        return cmd_checksheet(&c, vargc, vargv);
    if (strcmp(verb, "retention") == 0)
        return cmd_retention(&c, vargc, vargv);
    if (strcmp(verb, "register") == 0 || strcmp(verb, "ledger") == 0)
        return cmd_register(&c, vargc, vargv, strcmp(verb, "ledger") == 0);
    if (strcmp(verb, "usage") == 0) {
        char *uv[8] = {"register", "usage"};
        int un = 2;
        for (int k = 1; k < vargc && un < 8; k++)
            uv[un++] = vargv[k];
        return cmd_register(&c, un, uv, false);
    }
    if (strcmp(verb, "backup") == 0 || strcmp(verb, "restore") == 0)
        return cmd_backup(&c, vargc, vargv, strcmp(verb, "restore") == 0);
    if (strcmp(verb, "disposal") == 0)
        return cmd_disposal(&c, vargc, vargv);
    if (strcmp(verb, "purposes") == 0 && vargc == 2) {
        char path[256];
        if (path_seg(path, sizeof(path), API_PREFIX "/tenants/", vargv[1], "/purposes", NULL) != 0)
            return 2;
        return call(&c, "GET", path, NULL, NULL);
    }
    if (strcmp(verb, "person") == 0)
        return cmd_person(&c, vargc, vargv);
    if (strcmp(verb, "import") == 0)
        return cmd_import(&c, vargc, vargv);
    if (strcmp(verb, "export") == 0)
        return cmd_export(&c, vargc, vargv);
    if (strcmp(verb, "audit") == 0)
        return cmd_audit(&c, vargc, vargv);
    if (strcmp(verb, "store") == 0)
        return cmd_store(&c, vargc, vargv);
    fprintf(stderr, "mnsafe: unknown verb \"%s\"; see `mnsafe --help`\n", verb);
    return 2;
}
