/*
 * access_rules.c: where and when a role may work (check sheet F-a 2):
 * allowed source networks (CIDR lists) and allowed hours and weekdays, per
 * role. A rule is a string "ROLE=SPEC", e.g.
 *     clerk=192.0.2.0/24,2001:db8::/32      (networks)
 *     clerk=09-18@mon-fri                   (hours, local time, end exclusive)
 * A role without rules may work from anywhere at any time. The local socket
 * ("unix") is the operator's own and is not subject to network rules.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vault/internal.h"

static int role_index(mns_role r)
{
    switch (r) {
    case MNS_ROLE_SYSADMIN: return 0;
    case MNS_ROLE_OFFICER: return 1;
    case MNS_ROLE_CLERK: return 2;
    case MNS_ROLE_AUDITOR: return 3;
    default: return -1;
    }
}

static mns_err split_role(const char *rule, mns_role *role, const char **spec, mns_errmsg *em)
{
    const char *eq = strchr(rule, '=');
    char name[16];
    if (eq == NULL || (size_t)(eq - rule) >= sizeof(name))
        return mns_fail(em, MNS_ERR_INVALID, "access rule \"%.60s\": ROLE=SPEC expected / アクセス規則の形式が不正です", rule);
    memcpy(name, rule, (size_t)(eq - rule));
    name[eq - rule] = '\0';
    if ((*role = mns_role_parse(name)) == MNS_ROLE_NONE)
        return mns_fail(em, MNS_ERR_INVALID, "access rule \"%.60s\": unknown role / ロールが不正です", rule);
    *spec = eq + 1;
    return MNS_OK;
}

static mns_err parse_cidr(struct access_net *n, const char *text, mns_errmsg *em)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    if (alen >= sizeof(addr))
        goto bad;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    memset(n, 0, sizeof(*n));
    if (inet_pton(AF_INET, addr, n->addr) == 1) {
        n->len = 4;
    } else if (inet_pton(AF_INET6, addr, n->addr) == 1) {
        n->len = 16;
    } else {
        goto bad;
    }
    n->prefix = n->len * 8;
    if (slash != NULL) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (*end != '\0' || p < 0 || p > (long)(n->len * 8))
            goto bad;
        n->prefix = (unsigned)p;
    }
    return MNS_OK;
bad:
    return mns_fail(em, MNS_ERR_INVALID, "network \"%.60s\": an address or CIDR expected / ネットワークの指定が不正です",
                    text);
}

/* "CIDR[,CIDR]..." appended to nets */
static mns_err parse_nets(struct access_net *nets, size_t *nnets, const char *spec, mns_errmsg *em)
{
    char buf[1024];
    mns_err err;
    if (strlen(spec) >= sizeof(buf))
        return mns_fail(em, MNS_ERR_LIMIT, "network list too long / ネットワークの一覧が長すぎます");
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (*nnets == ACCESS_NETS_MAX)
            return mns_fail(em, MNS_ERR_LIMIT, "at most %d networks per rule / 規則ごとに%d件までです",
                            ACCESS_NETS_MAX, ACCESS_NETS_MAX);
        if ((err = parse_cidr(&nets[(*nnets)++], t, em)) != MNS_OK)
            return err;
    }
    return MNS_OK;
}

static int day_index(const char *d)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; i < 7; i++)
        if (strncasecmp(d, days[i], 3) == 0)
            return i;
    return -1;
}

static mns_err parse_hours(struct access_time *t, const char *spec, mns_errmsg *em)
{
    int h1, h2, n = 0;
    char d1[4] = "", d2[4] = "";
    if (sscanf(spec, "%d-%d%n", &h1, &h2, &n) != 2 || h1 < 0 || h1 > 23 || h2 < 1 || h2 > 24 || h1 >= h2)
        goto bad;
    t->from_hour = (unsigned)h1;
    t->to_hour = (unsigned)h2;
    t->days = 0x7f;
    if (spec[n] == '@') {
        if (sscanf(spec + n + 1, "%3[a-zA-Z]-%3[a-zA-Z]", d1, d2) == 2) {
            int a = day_index(d1), b = day_index(d2);
            if (a < 0 || b < 0)
                goto bad;
            t->days = 0;
            for (int d = a;; d = (d + 1) % 7) {
                t->days |= 1u << d;
                if (d == b)
                    break;
            }
        } else if (sscanf(spec + n + 1, "%3[a-zA-Z]", d1) == 1 && day_index(d1) >= 0 && strlen(spec + n + 1) == 3) {
            t->days = 1u << day_index(d1);
        } else {
            goto bad;
        }
    } else if (spec[n] != '\0') {
        goto bad;
    }
    t->set = true;
    return MNS_OK;
bad:
    return mns_fail(em, MNS_ERR_INVALID, "hours \"%.60s\": HH-HH[@day-day] expected, e.g. 09-18@mon-fri / "
                    "時間帯の指定が不正です（例 09-18@mon-fri）", spec);
}

mns_err access_rules_init(struct access_rules *r, const struct mns_vault_config *cfg, mns_errmsg *em)
{
    mns_err err;
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; cfg->allow_networks != NULL && cfg->allow_networks[i] != NULL; i++) {
        mns_role role;
        const char *spec;
        if ((err = split_role(cfg->allow_networks[i], &role, &spec, em)) != MNS_OK)
            return err;
        struct access_role *ar = &r->role[role_index(role)];
        if ((err = parse_nets(ar->nets, &ar->nnets, spec, em)) != MNS_OK)
            return err;
    }
    for (size_t i = 0; cfg->places != NULL && cfg->places[i] != NULL; i++) {
        const char *eq = strchr(cfg->places[i], '=');
        if (r->nplaces == PLACES_MAX)
            return mns_fail(em, MNS_ERR_LIMIT, "at most %d places / 場所は%d件までです", PLACES_MAX, PLACES_MAX);
        struct access_place *pl = &r->places[r->nplaces];
        if (eq == NULL || eq == cfg->places[i] || (size_t)(eq - cfg->places[i]) >= sizeof(pl->name))
            return mns_fail(em, MNS_ERR_INVALID, "place \"%.60s\": NAME=CIDR[,CIDR] expected / 場所の指定が不正です",
                            cfg->places[i]);
        memcpy(pl->name, cfg->places[i], (size_t)(eq - cfg->places[i]));
        pl->name[eq - cfg->places[i]] = '\0';
        if ((err = parse_nets(pl->nets, &pl->nnets, eq + 1, em)) != MNS_OK)
            return err;
        r->nplaces++;
    }
    for (size_t i = 0; cfg->allow_hours != NULL && cfg->allow_hours[i] != NULL; i++) {
        mns_role role;
        const char *spec;
        if ((err = split_role(cfg->allow_hours[i], &role, &spec, em)) != MNS_OK ||
            (err = parse_hours(&r->role[role_index(role)].hours, spec, em)) != MNS_OK)
            return err;
    }
    return MNS_OK;
}

static bool net_contains(const struct access_net *n, const uint8_t *addr, unsigned len)
{
    if (len != n->len)
        return false;
    unsigned full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (n->addr[full] & mask) == (addr[full] & mask);
}

mns_err access_rule_parse(struct access_role *ar, const char *networks, const char *hours, mns_errmsg *em)
{
    mns_err err;
    memset(ar, 0, sizeof(*ar));
    if (networks != NULL && networks[0] != '\0' && (err = parse_nets(ar->nets, &ar->nnets, networks, em)) != MNS_OK)
        return err;
    if (hours != NULL && hours[0] != '\0' && (err = parse_hours(&ar->hours, hours, em)) != MNS_OK)
        return err;
    return MNS_OK;
}

mns_err access_rule_check(const struct access_role *ar, const char *client, int64_t now_ms, bool for_tenant,
                          const char **why, mns_errmsg *em)
{
    *why = NULL;
    if (ar->nnets > 0 && client != NULL && strcmp(client, "unix") != 0 && strcmp(client, "local") != 0) {
        uint8_t addr[16];
        unsigned len = 0;
        if (inet_pton(AF_INET, client, addr) == 1)
            len = 4;
        else if (inet_pton(AF_INET6, client, addr) == 1)
            len = 16;
        bool ok = false;
        for (size_t i = 0; len > 0 && i < ar->nnets && !ok; i++)
            ok = net_contains(&ar->nets[i], addr, len);
        if (!ok) {
            *why = for_tenant ? "tenant network not allowed" : "network not allowed";
            return for_tenant ? mns_fail(em, MNS_ERR_DENIED, "this tenant may not be reached from this address / "
                                         "この事業者にはこのアドレスからはアクセスできません")
                              : mns_fail(em, MNS_ERR_DENIED, "your role may not work from this address / "
                                         "このロールはこのアドレスからは利用できません");
        }
    }
    if (ar->hours.set) {
        time_t t = (time_t)(now_ms / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        bool day_ok = (ar->hours.days >> tm.tm_wday) & 1u;
        bool hour_ok = (unsigned)tm.tm_hour >= ar->hours.from_hour && (unsigned)tm.tm_hour < ar->hours.to_hour;
        if (!day_ok || !hour_ok) {
            *why = for_tenant ? "outside tenant hours" : "outside allowed hours";
            return for_tenant ? mns_fail(em, MNS_ERR_DENIED, "this tenant may not be reached at this time / "
                                         "この事業者にはこの時間帯にはアクセスできません")
                              : mns_fail(em, MNS_ERR_DENIED, "your role may not work at this time / "
                                         "このロールはこの時間帯には利用できません");
        }
    }
    return MNS_OK;
}

mns_err access_rules_check(const struct access_rules *r, mns_role role, const char *client, int64_t now_ms,
                           const char **why, mns_errmsg *em)
{
    int idx = role_index(role);
    *why = NULL;
    if (idx < 0)
        return MNS_OK;
    return access_rule_check(&r->role[idx], client, now_ms, false, why, em);
}

const char *access_place_of(const struct access_rules *r, const char *client)
{
    uint8_t addr[16];
    unsigned len = 0;
    if (client == NULL)
        return NULL;
    if (inet_pton(AF_INET, client, addr) == 1)
        len = 4;
    else if (inet_pton(AF_INET6, client, addr) == 1)
        len = 16;
    for (size_t p = 0; len > 0 && p < r->nplaces; p++)
        for (size_t i = 0; i < r->places[p].nnets; i++)
            if (net_contains(&r->places[p].nets[i], addr, len))
                return r->places[p].name;
    return NULL;
}

/* ---- the rules as data, for the check sheet probes ------------------------ */

static json_t *nets_json(const struct access_net *nets, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < n; i++) {
        char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];
        if (inet_ntop(nets[i].len == 4 ? AF_INET : AF_INET6, nets[i].addr, addr, sizeof(addr)) == NULL)
            continue;
        snprintf(text, sizeof(text), "%s/%u", addr, nets[i].prefix);
        json_array_append_new(list, json_string(text));
    }
    return list;
}

json_t *access_rules_json(const struct access_rules *r)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    static const mns_role roles[] = {MNS_ROLE_SYSADMIN, MNS_ROLE_OFFICER, MNS_ROLE_CLERK, MNS_ROLE_AUDITOR};
    json_t *out = json_object(), *places = json_object();
    for (size_t i = 0; out != NULL && i < 4; i++) {
        const struct access_role *ar = &r->role[role_index(roles[i])];
        json_t *hours = json_null();
        if (ar->hours.set) {
            char text[64];
            int n = snprintf(text, sizeof(text), "%02u-%02u@", ar->hours.from_hour, ar->hours.to_hour);
            for (int d = 0; d < 7 && n > 0 && (size_t)n + 5 < sizeof(text); d++)
                if ((ar->hours.days >> d) & 1u)
                    n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%s", text[n - 1] == '@' ? "" : ",", days[d]);
            hours = json_string(text);
        }
        json_object_set_new(out, mns_role_name(roles[i]),
                            json_pack("{s:o, s:o}", "networks", nets_json(ar->nets, ar->nnets), "hours", hours));
    }
    for (size_t p = 0; places != NULL && p < r->nplaces; p++)
        json_object_set_new(places, r->places[p].name, nets_json(r->places[p].nets, r->places[p].nnets));
    json_t *res = json_pack("{s:o, s:o}", "roles", out, "places", places);
    return res;
}
