/*
 * routes.c: every route of the API, in one table. api_handle() answers 404
 * for a path that is not here and 405 for a method the path does not have,
 * before any handler runs; `mnsafe api-routes` prints the table, and
 * tests/integration/test_openapi.sh checks it against docs/openapi.json both
 * ways and calls every route on a real daemon, so the description, the table
 * and the handlers cannot drift apart unnoticed.
 *
 * A segment in braces matches any non-empty segment ({id} only digits).
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

const struct api_route api_routes[] = {
    {"GET", "/health"},
    {"GET", "/metrics"},
    {"GET", "/sys/seal-status"},
    {"POST", "/sys/unseal"},
    {"POST", "/sys/seal"},
    {"POST", "/sys/backup"},
    {"POST", "/sys/backup/verify"},
    {"POST", "/sys/restore"},
    {"POST", "/sessions"},
    {"GET", "/sessions/current"},
    {"DELETE", "/sessions/current"},
    {"POST", "/users/me/totp"},
    {"POST", "/users/me/totp/confirm"},
    {"POST", "/users/me/password"},
    {"GET", "/users/me/tokens"},
    {"POST", "/users/me/tokens"},
    {"DELETE", "/users/me/tokens/{id}"},
    {"GET", "/users"},
    {"POST", "/users"},
    {"PUT", "/users/{name}/role"},
    {"POST", "/users/{name}/password-reset"},
    {"POST", "/users/{name}/mfa-reset"},
    {"POST", "/users/{name}/unlock"},
    {"POST", "/users/{name}/assignments"},
    {"DELETE", "/users/{name}/assignments/{tenant}"},
    {"GET", "/grant-requests"},
    {"POST", "/grant-requests/{id}/approve"},
    {"POST", "/grant-requests/{id}/reject"},
    {"GET", "/access-policy"},
    {"GET", "/access-review"},
    {"POST", "/access-review/confirm"},
    {"GET", "/checksheet"},
    {"GET", "/checksheet/export"},
    {"GET", "/checksheet/counts"},
    {"GET", "/checksheet/probes"},
    {"GET", "/retention-rules"},
    {"GET", "/collect"},
    {"POST", "/collect"},
    {"PUT", "/collect/documents/{slot}"},
    {"GET", "/evidence/{id}"},
    {"GET", "/assessments/{id}"},
    {"GET", "/assessments/{id}/report"},
    {"PUT", "/assessments/{id}/items/{item}"},
    {"POST", "/assessments/{id}/items/{item}/evidence"},
    {"GET", "/audit"},
    {"POST", "/audit/verify"},
    {"GET", "/tenants"},
    {"POST", "/tenants"},
    {"GET", "/tenants/{code}/policy"},
    {"PUT", "/tenants/{code}/policy"},
    {"GET", "/tenants/{code}/purposes"},
    {"GET", "/tenants/{code}/persons"},
    {"POST", "/tenants/{code}/persons"},
    {"POST", "/tenants/{code}/persons/search"},
    {"GET", "/tenants/{code}/persons/{id}"},
    {"PUT", "/tenants/{code}/persons/{id}"},
    {"DELETE", "/tenants/{code}/persons/{id}"},
    {"POST", "/tenants/{code}/persons/{id}/dependents"},
    {"PUT", "/tenants/{code}/persons/{id}/dependents/{dependent}"},
    {"DELETE", "/tenants/{code}/persons/{id}/dependents/{dependent}"},
    {"POST", "/tenants/{code}/persons/{id}/reveal"},
    {"PUT", "/tenants/{code}/persons/{id}/end"},
    {"DELETE", "/tenants/{code}/persons/{id}/end"},
    {"PUT", "/tenants/{code}/persons/{id}/hold"},
    {"DELETE", "/tenants/{code}/persons/{id}/hold"},
    {"GET", "/tenants/{code}/collections"},
    {"POST", "/tenants/{code}/collections"},
    {"GET", "/tenants/{code}/collections/{id}"},
    {"DELETE", "/tenants/{code}/collections/{id}"},
    {"GET", "/tenants/{code}/collections/{id}/documents/{slot}"},
    {"POST", "/tenants/{code}/collections/{id}/identity-check"},
    {"GET", "/tenants/{code}/retention/due"},
    {"POST", "/tenants/{code}/retention/delete"},
    {"PUT", "/tenants/{code}/retention/rule"},
    {"GET", "/tenants/{code}/deletion-requests"},
    {"POST", "/tenants/{code}/deletion-requests/{id}/approve"},
    {"POST", "/tenants/{code}/deletion-requests/{id}/reject"},
    {"GET", "/tenants/{code}/disposals"},
    {"POST", "/tenants/{code}/disposals"},
    {"GET", "/tenants/{code}/disposals/{id}/certificate"},
    {"GET", "/tenants/{code}/usage"},
    {"GET", "/tenants/{code}/ledger"},
    {"GET", "/tenants/{code}/registers/{register}"},
    {"POST", "/tenants/{code}/registers/{register}"},
    {"PUT", "/tenants/{code}/registers/{register}/{id}"},
    {"POST", "/tenants/{code}/registers/{register}/import"},
    {"GET", "/tenants/{code}/registers/incidents/{id}/draft"},
    {"GET", "/tenants/{code}/assessments"},
    {"POST", "/tenants/{code}/assessments"},
    {"GET", "/tenants/{code}/assessments/trend"},
    {"GET", "/tenants/{code}/imports"},
    {"POST", "/tenants/{code}/imports"},
    {"GET", "/tenants/{code}/imports/{id}"},
    {"DELETE", "/tenants/{code}/imports/{id}"},
    {"POST", "/tenants/{code}/imports/{id}/data"},
    {"POST", "/tenants/{code}/imports/{id}/store"},
    {"GET", "/tenants/{code}/exports"},
    {"POST", "/tenants/{code}/exports"},
    {"GET", "/tenants/{code}/export-requests"},
    {"POST", "/tenants/{code}/export-requests"},
    {"POST", "/tenants/{code}/export-requests/{id}/approve"},
    {"POST", "/tenants/{code}/export-requests/{id}/reject"},
};
const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);

/* Whether the path's segments fit the template's; a literal beats a brace
 * only by the table's order mattering nowhere: both simply match. */
static bool template_matches(const char *tmpl, char *const *seg, size_t n)
{
    size_t i = 0;
    const char *p = tmpl;
    while (*p == '/') {
        const char *q = strchr(p + 1, '/');
        size_t len = q ? (size_t)(q - p - 1) : strlen(p + 1);
        if (i >= n)
            return false;
        if (p[1] == '{') {
            if (seg[i][0] == '\0')
                return false;
            if (strncmp(p + 1, "{id}", 4) == 0 && strspn(seg[i], "0123456789") != strlen(seg[i]))
                return false;
        } else if (strlen(seg[i]) != len || strncmp(seg[i], p + 1, len) != 0) {
            return false;
        }
        i++;
        p += len + 1;
    }
    return i == n;
}

int api_route_check(const char *method, char *const *seg, size_t n)
{
    bool path = false;
    for (size_t r = 0; r < api_routes_count; r++)
        if (template_matches(api_routes[r].path, seg, n)) {
            if (strcmp(api_routes[r].method, method) == 0)
                return 200;
            path = true;
        }
    return path ? 405 : 404;
}
