/*
 * web.c: finds the web UI's files (web.h). The UI talks only to the JSON
 * API; these files are the same for everyone and hold no data.
 */
#include <string.h>

#include "web.h"

const struct web_asset *web_find(const char *path)
{
    if (path == NULL)
        return NULL;
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (size_t i = 0; i < web_assets_count; i++)
        if (strcmp(web_assets[i].path, path) == 0)
            return &web_assets[i];
    return NULL;
}
